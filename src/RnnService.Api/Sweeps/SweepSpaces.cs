using System.Text.Json;
using RnnService.Api.Jobs;
using RnnService.Engine.Models;
using RnnService.Engine.Serialization;
using RnnService.Engine.Training;
using RnnService.Engine.Tuning;

namespace RnnService.Api.Sweeps;

/// <summary>A search space as JSON (name to a list of values or to {min, max, log, int}) read into the engine's
/// <see cref="SearchSpace"/>, with its errors keyed by JSON path ("space.learningRate").</summary>
public static class SweepSpaces
{
    public sealed record Parsed(SearchSpace? Space, Dictionary<string, string[]> Errors);

    public static Parsed Parse(Dictionary<string, JsonElement> space, SearchStrategy strategy, int seed)
    {
        var errors = new Dictionary<string, string[]>();
        var dimensions = new List<SearchDimension>();
        foreach (var (name, element) in space)
        {
            if (Dimension(name, element, out var error) is { } dimension) dimensions.Add(dimension);
            else errors[Path(name)] = [error!];
        }
        if (errors.Count > 0) return new(null, errors);
        var parsed = new SearchSpace(dimensions, strategy, seed);
        foreach (var (field, message) in parsed.Errors())
            errors[field == "space" ? "space" : Path(field)] = [message];
        return new(errors.Count == 0 ? parsed : null, errors);
    }

    private static string Path(string name) => "space." + name;

    private static SearchDimension? Dimension(string name, JsonElement element, out string? error)
    {
        error = null;
        if (element.ValueKind == JsonValueKind.Array)
        {
            var values = new List<object>();
            foreach (var item in element.EnumerateArray())
            {
                object? value = item.ValueKind switch
                {
                    JsonValueKind.Number => item.GetDouble(),
                    JsonValueKind.String => item.GetString(),
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => null,
                };
                if (value is null)
                {
                    error = "Each value must be a number, a string or true/false.";
                    return null;
                }
                values.Add(value);
            }
            return new SearchDimension(name, Values: values);
        }
        if (element.ValueKind != JsonValueKind.Object)
        {
            error = "Give a list of values, or a range {\"min\": ..., \"max\": ..., \"log\": false, \"int\": false}.";
            return null;
        }
        double? min = null, max = null;
        bool log = false, integer = false;
        foreach (var property in element.EnumerateObject())
        {
            var v = property.Value;
            switch (property.Name)
            {
                case "min" when v.ValueKind == JsonValueKind.Number: min = v.GetDouble(); break;
                case "max" when v.ValueKind == JsonValueKind.Number: max = v.GetDouble(); break;
                case "log" when v.ValueKind is JsonValueKind.True or JsonValueKind.False: log = v.GetBoolean(); break;
                case "int" when v.ValueKind is JsonValueKind.True or JsonValueKind.False: integer = v.GetBoolean(); break;
                default:
                    error = $"'{property.Name}': a range has min and max (numbers), log and int (true or false).";
                    return null;
            }
        }
        if (min is null || max is null)
        {
            error = "A range needs both min and max.";
            return null;
        }
        return SearchDimension.Range(name, min.Value, max.Value, log, integer);
    }

    /// <summary>Whether a point merged over the sweep's settings passes the engine's rules and the configured limits.</summary>
    public static bool Passes(TaskKind task, Architecture architecture, Hyperparameters settings, SearchPoint point, LimitsOptions limits)
    {
        var (h, a) = point.Apply(settings, architecture);
        return HyperparameterRules.Check(task, a, h, limits).Count == 0;
    }

    /// <summary>The errors of the first point the space offers (for a space whose every point breaks a rule).</summary>
    public static Dictionary<string, string[]> FirstPointErrors(TaskKind task, Architecture architecture, Hyperparameters settings,
        SearchSpace space, LimitsOptions limits)
    {
        SearchPoint? first = null;
        space.Trial(0, p =>
        {
            first ??= p;
            return false;
        });
        var errors = new Dictionary<string, string[]>();
        if (first?.Apply(settings, architecture) is ({ } h, var a)) errors = HyperparameterRules.Check(task, a, h, limits);
        errors["space"] = ["No point of the space passes the rules (with the other settings); the first one fails as shown."];
        return errors;
    }

    /// <summary>A point as the API shows it: name to value, enums and "none" as their JSON names.</summary>
    public static Dictionary<string, object> Describe(SearchPoint point) =>
        point.Values.ToDictionary(kv => kv.Key, kv => kv.Value switch
        {
            SearchSpace.NoneValue => "none",
            Enum e => LowerCaseNamingPolicy.Instance.ConvertName(e.ToString()),
            float f => (double)(decimal)f, // 0.0123 rather than 0.012300000451505184
            var v => v,
        });
}
