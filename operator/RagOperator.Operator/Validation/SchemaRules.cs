using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using RagOperator.Api.Schema;

namespace RagOperator.Operator.Validation;

/// <summary>
/// Checks a typed object against the same attributes the CRD generator turns into the OpenAPI schema
/// (<c>[Range]</c>, <c>[RegularExpression]</c>, <c>[MinLength]</c>, <c>[Required]</c> on references), so the
/// C# types stay the one source of truth. Used where no API server validates for us (<c>render</c>).
/// </summary>
public static class SchemaRules
{
    public static void Check(object value, string path, List<SpecProblem> problems)
    {
        foreach (var property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || !property.CanRead) continue;
            var fieldPath = $"{path}.{CrdGenerator.JsonName(property)}";
            var fieldValue = property.GetValue(value);
            CheckAttributes(property, fieldValue, fieldPath, problems);
            if (fieldValue is null || fieldValue is JsonNode || fieldValue is string) continue;
            if (IsApiType(fieldValue.GetType()))
                Check(fieldValue, fieldPath, problems);
            else if (fieldValue is IEnumerable items and not IDictionary)
            {
                var index = 0;
                foreach (var item in items)
                {
                    if (item is not null && IsApiType(item.GetType())) Check(item, $"{fieldPath}[{index}]", problems);
                    index++;
                }
            }
        }
    }

    private static bool IsApiType(Type type) =>
        type.IsClass && type.Namespace?.StartsWith("RagOperator.Api", StringComparison.Ordinal) == true;

    private static void CheckAttributes(PropertyInfo property, object? value, string path, List<SpecProblem> problems)
    {
        if (property.GetCustomAttribute<RequiredAttribute>() is not null && value is null)
            problems.Add(new SpecProblem(path, "Required value"));
        if (value is null) return;

        if (property.GetCustomAttribute<RangeAttribute>() is { } range && IsNumber(value))
        {
            var number = System.Convert.ToDouble(value, CultureInfo.InvariantCulture);
            var min = System.Convert.ToDouble(range.Minimum, CultureInfo.InvariantCulture);
            var max = System.Convert.ToDouble(range.Maximum, CultureInfo.InvariantCulture);
            if (number < min)
                problems.Add(new SpecProblem(path, $"Invalid value: {Format(value)}: should be greater than or equal to {Format(range.Minimum)}"));
            else if (number > max)
                problems.Add(new SpecProblem(path, $"Invalid value: {Format(value)}: should be less than or equal to {Format(range.Maximum)}"));
        }

        if (value is string text)
        {
            if (property.GetCustomAttribute<RegularExpressionAttribute>() is { } pattern && !Regex.IsMatch(text, pattern.Pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))
                problems.Add(new SpecProblem(path, $"Invalid value: \"{text}\": should match '{pattern.Pattern}'"));
            if (property.GetCustomAttribute<MinLengthAttribute>() is { } minLength && text.Length < minLength.Length)
                problems.Add(new SpecProblem(path, $"Invalid value: \"{text}\": should be at least {minLength.Length} chars long"));
        }

        if (value is ICollection list && property.GetCustomAttribute<MaxLengthAttribute>() is { } maxItems && list.Count > maxItems.Length)
            problems.Add(new SpecProblem(path, $"Too many: {list.Count}: must have at most {maxItems.Length} items"));
    }

    private static bool IsNumber(object value) => value is int or long or double or float or decimal or short;

    private static string Format(object value) => System.Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
}
