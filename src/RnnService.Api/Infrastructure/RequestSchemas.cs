using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace RnnService.Api.Infrastructure;

/// <summary>A request type whose omitted properties take these values. The OpenAPI document shows each non-null one as
/// that property's default, so the handler reads its defaults from here (or from the engine object this is built from).</summary>
public interface IRequestDefaults<TSelf> where TSelf : IRequestDefaults<TSelf>
{
    static abstract TSelf Defaults { get; }
}

/// <summary>On a request type: exactly one of these properties (by their C# names) must be given, as "text or texts". The
/// document says so with oneOf [{required: [text]}, {required: [texts]}] (one allOf entry per group).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class ExactlyOneOfAttribute(params string[] properties) : Attribute
{
    public IReadOnlyList<string> Properties { get; } = properties;
}

/// <summary>
/// The conventions of every request schema (a type whose name ends in "Request", also one added later), so the document
/// says what the handlers do without code per type. Required lists exactly the properties marked [Required]: the
/// schema exporter would list every positional record parameter, although they are all nullable and most are optional.
/// Either-or rules come from <see cref="ExactlyOneOfAttribute"/>, defaults from <see cref="IRequestDefaults{TSelf}"/>.
/// Descriptions and examples come from the XML doc comments (a &lt;param&gt; per property, an &lt;example&gt; per type),
/// which Microsoft.AspNetCore.OpenApi compiles in.
/// </summary>
public static class RequestSchemas
{
    private const string Suffix = "Request";
    // How Microsoft.AspNetCore.OpenApi marks a property whose schema becomes a $ref, and carries a default beside the $ref.
    private const string SchemaIdKey = "x-schema-id";
    private const string RefDefaultKey = "x-ref-default";

    private static bool IsRequest(Type type) => type.Name.EndsWith(Suffix, StringComparison.Ordinal) && type.IsClass;

    public static Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken _)
    {
        // A request type nested in another (hyperparameters) comes with the outer property's JsonPropertyInfo: look at the type only.
        if (!IsRequest(context.JsonTypeInfo.Type) || context.JsonTypeInfo.Kind != JsonTypeInfoKind.Object)
            return Task.CompletedTask;
        var properties = context.JsonTypeInfo.Properties;
        schema.Required = new HashSet<string>(properties.Where(IsMarkedRequired).Select(p => p.Name));
        var groups = context.JsonTypeInfo.Type.GetCustomAttributes<ExactlyOneOfAttribute>().ToList();
        if (groups.Count > 0)
            schema.AllOf = groups.Select(group => (IOpenApiSchema)new OpenApiSchema
            {
                OneOf = group.Properties.Select(name => (IOpenApiSchema)new OpenApiSchema
                {
                    Required = new HashSet<string> { properties.Single(p => (p.AttributeProvider as MemberInfo)?.Name == name).Name },
                }).ToList(),
            }).ToList();
        foreach (var property in properties)
            if (DefaultOf(property) is { } value && schema.Properties?.TryGetValue(property.Name, out var found) == true
                && found is OpenApiSchema propertySchema)
                SetDefault(propertySchema, value);
        return Task.CompletedTask;
    }

    private static bool IsMarkedRequired(JsonPropertyInfo property) =>
        property.IsRequired || property.AttributeProvider?.IsDefined(typeof(RequiredAttribute), inherit: true) == true;

    /// <summary>The property's value in its type's Defaults as JSON; null when the type has none or leaves it null.</summary>
    private static JsonNode? DefaultOf(JsonPropertyInfo property)
    {
        var type = property.DeclaringType;
        if (!type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IRequestDefaults<>))) return null;
        var defaults = type.GetProperty(nameof(IRequestDefaults<>.Defaults), BindingFlags.Public | BindingFlags.Static)?.GetValue(null);
        return defaults is null || property.Get?.Invoke(defaults) is not { } value
            ? null
            : JsonSerializer.SerializeToNode(value, property.PropertyType, ApiJson.Options);
    }

    private static void SetDefault(OpenApiSchema schema, JsonNode value)
    {
        // Inline schemas (strings, numbers) carry an empty schema id.
        if (schema.Metadata?.TryGetValue(SchemaIdKey, out var id) == true && id is string { Length: > 0 })
            schema.Metadata[RefDefaultKey] = value;
        else
            schema.Default = value;
    }
}
