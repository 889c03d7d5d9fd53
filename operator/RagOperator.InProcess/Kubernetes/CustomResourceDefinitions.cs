using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>Turns apiextensions.k8s.io/v1 CustomResourceDefinition objects into served resources.</summary>
internal static class CustomResourceDefinitions
{
    public const string Resource = "customresourcedefinitions.apiextensions.k8s.io";

    /// <summary>Validates a CRD the way the apiextensions server does for the parts this server relies on.</summary>
    public static List<FieldViolation> Validate(JsonObject crd)
    {
        var violations = new List<FieldViolation>();
        var group = JsonTree.GetString(JsonTree.At(crd, "spec", "group")) ?? "";
        var plural = JsonTree.GetString(JsonTree.At(crd, "spec", "names", "plural")) ?? "";
        var kind = JsonTree.GetString(JsonTree.At(crd, "spec", "names", "kind")) ?? "";
        var scope = JsonTree.GetString(JsonTree.At(crd, "spec", "scope")) ?? "";
        var name = Meta.Name(crd) ?? "";

        if (group.Length == 0)
        {
            violations.Add(new FieldViolation("spec.group", "FieldValueRequired", "", null));
        }
        else if (!group.Contains('.', StringComparison.Ordinal))
        {
            violations.Add(new FieldViolation("spec.group", "FieldValueInvalid", "should be a domain with at least one dot", $"\"{group}\""));
        }

        if (plural.Length == 0)
        {
            violations.Add(new FieldViolation("spec.names.plural", "FieldValueRequired", "", null));
        }

        if (kind.Length == 0)
        {
            violations.Add(new FieldViolation("spec.names.kind", "FieldValueRequired", "", null));
        }

        if (plural.Length > 0 && group.Length > 0 && name != $"{plural}.{group}")
        {
            violations.Add(new FieldViolation("metadata.name", "FieldValueInvalid", "must be spec.names.plural+\".\"+spec.group", $"\"{name}\""));
        }

        if (scope is not ("Namespaced" or "Cluster"))
        {
            violations.Add(new FieldViolation("spec.scope", "FieldValueNotSupported", "supported values: \"Cluster\", \"Namespaced\"", $"\"{scope}\""));
        }

        var versions = JsonTree.At(crd, "spec", "versions") as JsonArray;
        if (versions is null || versions.Count == 0)
        {
            violations.Add(new FieldViolation("spec.versions", "FieldValueInvalid", "must have exactly one version marked as storage version", "null"));
            return violations;
        }

        if (versions.OfType<JsonObject>().Count(v => JsonTree.GetBool(v["storage"]) == true) != 1)
        {
            violations.Add(new FieldViolation("spec.versions", "FieldValueInvalid", "must have exactly one version marked as storage version", versions.ToJsonString()));
        }

        for (var i = 0; i < versions.Count; i++)
        {
            if (versions[i] is not JsonObject version)
            {
                continue;
            }

            if (string.IsNullOrEmpty(JsonTree.GetString(version["name"])))
            {
                violations.Add(new FieldViolation($"spec.versions[{i}].name", "FieldValueRequired", "", null));
            }

            if (JsonTree.At(version, "schema", "openAPIV3Schema") is not JsonObject schema)
            {
                violations.Add(new FieldViolation($"spec.versions[{i}].schema.openAPIV3Schema", "FieldValueRequired", "schemas are required", null));
                continue;
            }

            try
            {
                CustomResourceSchema.Parse(schema);
            }
            catch (Exception e) when (e is not ApiStatusException)
            {
                violations.Add(new FieldViolation($"spec.versions[{i}].schema.openAPIV3Schema", "FieldValueInvalid", e.Message, "..."));
            }
        }

        return violations;
    }

    /// <summary>The served resource a (valid) CRD defines.</summary>
    public static ResourceDefinition ToDefinition(JsonObject crd)
    {
        var spec = (JsonObject)crd["spec"]!;
        var names = (JsonObject)spec["names"]!;
        var kind = JsonTree.GetString(names["kind"])!;
        var versions = new List<ResourceVersion>();
        foreach (var version in ((JsonArray)spec["versions"]!).OfType<JsonObject>())
        {
            if (JsonTree.GetBool(version["served"]) == false)
            {
                continue;
            }

            var raw = (JsonObject)JsonTree.At(version, "schema", "openAPIV3Schema")!;
            versions.Add(new ResourceVersion(
                JsonTree.GetString(version["name"])!,
                JsonTree.GetBool(version["storage"]) == true,
                JsonTree.At(version, "subresources", "status") is not null,
                CustomResourceSchema.Parse(raw),
                new SchemaShape(JsonTree.Clone(raw)),
                JsonTree.At(version, "subresources", "scale") is JsonObject scale
                    ? new ScalePaths(JsonTree.GetString(scale["specReplicasPath"])!, JsonTree.GetString(scale["statusReplicasPath"])!, JsonTree.GetString(scale["labelSelectorPath"]))
                    : null));
        }

        return new ResourceDefinition
        {
            Group = JsonTree.GetString(spec["group"])!,
            Plural = JsonTree.GetString(names["plural"])!,
            Singular = JsonTree.GetString(names["singular"]) ?? kind.ToLowerInvariant(),
            Kind = kind,
            ListKind = JsonTree.GetString(names["listKind"]) ?? kind + "List",
            Namespaced = JsonTree.GetString(spec["scope"]) == "Namespaced",
            Versions = versions,
            ShortNames = Strings(names["shortNames"]),
            Categories = Strings(names["categories"]),
            IsCustom = true,
        };
    }

    /// <summary>The status the apiextensions controllers would write: names accepted, established, stored versions.</summary>
    public static void SetStatus(JsonObject crd, JsonObject? previous, string now)
    {
        var spec = (JsonObject)crd["spec"]!;
        var storage = ((JsonArray)spec["versions"]!).OfType<JsonObject>().First(v => JsonTree.GetBool(v["storage"]) == true);
        var stored = new SortedSet<string>(StringComparer.Ordinal);
        if (JsonTree.At(previous, "status", "storedVersions") is JsonArray before)
        {
            stored.UnionWith(before.Select(JsonTree.GetString).OfType<string>());
        }

        stored.Add(JsonTree.GetString(storage["name"])!);
        var previousConditions = JsonTree.At(previous, "status", "conditions") as JsonArray;
        crd["status"] = new JsonObject
        {
            ["conditions"] = new JsonArray(
                Condition("NamesAccepted", "NoConflicts", "no conflicts found", previousConditions, now),
                Condition("Established", "InitialNamesAccepted", "the initial names have been accepted", previousConditions, now)),
            ["acceptedNames"] = spec["names"]!.DeepClone(),
            ["storedVersions"] = new JsonArray(stored.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
        };
    }

    private static JsonObject Condition(string type, string reason, string message, JsonArray? previous, string now)
    {
        var since = previous?.OfType<JsonObject>().FirstOrDefault(c => JsonTree.GetString(c["type"]) == type)?["lastTransitionTime"]?.DeepClone();
        return new JsonObject
        {
            ["type"] = type,
            ["status"] = "True",
            ["lastTransitionTime"] = since ?? JsonValue.Create(now),
            ["reason"] = reason,
            ["message"] = message,
        };
    }

    private static string[] Strings(JsonNode? node) =>
        node is JsonArray array ? array.Select(JsonTree.GetString).OfType<string>().ToArray() : [];
}
