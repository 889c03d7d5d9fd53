#!/usr/bin/env python3
"""Lists the failed tests recorded in the TRX files under a directory.

  trx-failures.py DIR           one block per failed test: its fully qualified name, then the first lines of its
                                error message and of its stack trace (without the assertion library's frames);
                                then the run-level errors (a crashed test host, say)
  trx-failures.py --names DIR   only the fully qualified names of the failed tests, one per line
  trx-failures.py --errors DIR  only the first line of each run-level error, one per line

Prints nothing when no test failed. Standard library only.
"""
import glob
import os
import re
import sys
import xml.etree.ElementTree as ET

NS = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"
MAX_LINES = 15
MAX_STACK_LINES = 8
ASSERTION_FRAMES = ("at FluentAssertions.", "at Xunit.Assert.", "at Xunit.Sdk.")
# xunit reports each failure as a run-level error too; the results already carry it.
XUNIT_FAIL_ECHO = re.compile(r"^\[xUnit\.net [^\]]*\]\s.*\[FAIL\]$")


def text(element, path):
    found = element.find(path)
    return (found.text or "").strip() if found is not None and found.text else ""


def test_name(result, definitions):
    """ClassName.Method, with the display name's arguments for a theory case."""
    display = result.get("testName", "")
    method = definitions.get(result.get("testId", ""))
    if method is None:
        return display
    class_name, method_name = method
    qualified = f"{class_name}.{method_name}" if class_name else method_name
    if display.startswith(qualified) or not display:
        return display or qualified
    if display.startswith(method_name):  # display name without the class: keep its arguments
        return class_name + "." + display if class_name else display
    return f"{qualified} [{display}]"


def read(path):
    """(failures, run errors) of one TRX file; a failure is (name, message, stack trace)."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as error:
        return [], [f"{os.path.basename(path)}: unreadable TRX ({error})"]
    definitions = {}
    for unit_test in root.iter(NS + "UnitTest"):
        method = unit_test.find(NS + "TestMethod")
        if method is not None:
            class_name = method.get("className", "").split(",")[0].strip()
            definitions[unit_test.get("id", "")] = (class_name, method.get("name", ""))
    failures = []
    for result in root.iter(NS + "UnitTestResult"):
        if result.get("outcome") != "Failed":
            continue
        if result.find(NS + "InnerResults") is not None:  # the inner results carry the details
            continue
        failures.append((test_name(result, definitions),
                         text(result, f"{NS}Output/{NS}ErrorInfo/{NS}Message"),
                         text(result, f"{NS}Output/{NS}ErrorInfo/{NS}StackTrace")))
    errors = []
    for info in root.iter(NS + "RunInfo"):
        if info.get("outcome") in ("Error", "Failed"):
            message = text(info, NS + "Text")
            if message and not XUNIT_FAIL_ECHO.match(message):
                errors.append(message)
    return failures, errors


def test_frames(stack):
    """The stack trace's lines without the assertion library's own frames on top."""
    lines = [line.strip() for line in stack.splitlines() if line.strip()]
    top = 0
    while top < len(lines) - 1 and lines[top].startswith(ASSERTION_FRAMES):
        top += 1
    return lines[top:]


def print_lines(lines, limit):
    for line in lines[:limit]:
        print(f"    {line.rstrip()}")
    if len(lines) > limit:
        print(f"    ... ({len(lines) - limit} more lines)")


def main(argv):
    names_only = "--names" in argv
    errors_only = "--errors" in argv
    directories = [a for a in argv if a not in ("--names", "--errors")]
    if len(directories) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    failures, errors, seen = [], [], set()
    for path in sorted(glob.glob(os.path.join(directories[0], "**", "*.trx"), recursive=True)):
        file_failures, file_errors = read(path)
        for failure in file_failures:
            if failure not in seen:
                seen.add(failure)
                failures.append(failure)
        errors.extend(e for e in file_errors if e not in errors)
    failures.sort(key=lambda f: f[0])
    if names_only:
        for name in dict.fromkeys(f[0] for f in failures):
            print(name)
        return 0
    if errors_only:
        for error in errors:
            print(error.strip().splitlines()[0])
        return 0
    if not failures and not errors:
        return 0
    print()
    print(f"FAILED tests ({len(failures)}):")
    for name, message, stack in failures:
        print()
        print(f"  {name}")
        print_lines(message.splitlines(), MAX_LINES)
        print_lines(test_frames(stack), MAX_STACK_LINES)
    if errors:
        print()
        print("Test run errors:")
        for error in errors:
            print()
            print_lines(error.splitlines(), MAX_LINES)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
