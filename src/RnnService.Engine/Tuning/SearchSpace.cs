using System.Reflection;
using RnnService.Engine.Core;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tuning;

/// <summary>random: each trial's point drawn with its own seeded generator; grid: the cartesian product of the lists.</summary>
public enum SearchStrategy { Random, Grid }

/// <summary>
/// The settings a sweep searches: some hyper-parameters (by their JSON names) and the architecture. A trial's point
/// depends only on (<see cref="Seed"/>, its index): trial i is the same whatever order the trials run in, and after a
/// restart. A point is merged over the base settings (<see cref="SearchPoint.Apply"/>); points the caller's rules
/// refuse are skipped (<see cref="Trial"/>).
/// </summary>
public sealed class SearchSpace(IReadOnlyList<SearchDimension> dimensions, SearchStrategy strategy, int seed)
{
    public const string ArchitectureName = "architecture";

    /// <summary>How often a random trial draws again when its point breaks a rule before the space counts as exhausted.</summary>
    public const int MaxDraws = 100;

    /// <summary>Most points a grid may enumerate.</summary>
    public const int MaxGridSize = 10_000;

    /// <summary>The dimensions in the request's order; a range over a whole-number setting draws whole numbers.</summary>
    public IReadOnlyList<SearchDimension> Dimensions { get; } =
        dimensions.Select(d => TypeOf(d.Name) is { } t && IsInteger(t) ? d with { Int = true } : d).ToList();
    public SearchStrategy Strategy { get; } = strategy;
    public int Seed { get; } = seed;

    /// <summary>Hyper-parameters a space may name, by JSON name; epochs belong to the scheduler.</summary>
    private static readonly Dictionary<string, PropertyInfo> Settings = typeof(Hyperparameters)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.CanWrite && p.Name != nameof(Hyperparameters.Epochs))
        .ToDictionary(p => CamelCase(p.Name), StringComparer.Ordinal);

    /// <summary>Names a space may search: the hyper-parameters' JSON names (epochs excepted) and "architecture".</summary>
    public static IEnumerable<string> Names => Settings.Keys.Append(ArchitectureName).Order(StringComparer.Ordinal);

    /// <summary>Every problem with the space itself, keyed by the dimension's name; empty when it is well formed.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Errors()
    {
        var errors = new List<KeyValuePair<string, string>>();
        void Add(string field, string message) => errors.Add(new(field, message));
        if (Dimensions.Count == 0) Add("space", "Name at least one setting to search.");
        foreach (var group in Dimensions.GroupBy(d => d.Name).Where(g => g.Count() > 1))
            Add(group.Key, "Named more than once.");
        foreach (var d in Dimensions)
        {
            var type = TypeOf(d.Name);
            if (type is null)
                Add(d.Name, d.Name == "epochs"
                    ? "Epochs are the scheduler's: set minEpochs and maxEpochs instead."
                    : $"Unknown setting; one of: {string.Join(", ", Names)}.");
            else if (d.Values is { } values)
            {
                if (values.Count == 0) Add(d.Name, "The list of values is empty.");
                else if (values.FirstOrDefault(v => Convert(v, type) is null) is { } bad) Add(d.Name, $"'{bad}' is not a value of {d.Name} ({Describe(type)}).");
            }
            else if (d.Min is not { } min || d.Max is not { } max || !double.IsFinite(min) || !double.IsFinite(max))
                Add(d.Name, "Give a list of values, or a range with finite min and max.");
            else if (!IsNumber(type)) Add(d.Name, $"A range needs a numeric setting; {d.Name} takes {Describe(type)}: give a list.");
            else if (min > max) Add(d.Name, $"min ({min}) is greater than max ({max}).");
            else if (d.Log && min <= 0) Add(d.Name, "A log range needs min > 0.");
            else if ((d.Int || IsInteger(type)) && Math.Ceiling(min) > Math.Floor(max)) Add(d.Name, $"The range [{min}, {max}] holds no whole number.");
            else if (Strategy == SearchStrategy.Grid && !(d.Int || IsInteger(type)))
                Add(d.Name, "A grid needs a list of values (or a whole-number range).");
        }
        if (errors.Count == 0 && Strategy == SearchStrategy.Grid && GridSize() > MaxGridSize)
            Add("space", $"The grid has {GridSize():N0} points; at most {MaxGridSize:N0}.");
        return errors;
    }

    /// <summary>Points of the whole grid (lists and whole-number ranges multiplied).</summary>
    public double GridSize() => Dimensions.Aggregate(1.0, (n, d) => n * GridValues(d).Count);

    /// <summary>
    /// Trial <paramref name="index"/>'s point that <paramref name="isValid"/> accepts, or null when there is none: random
    /// draws from a generator seeded by (seed, index, attempt) until a point is accepted (at most <see cref="MaxDraws"/>);
    /// grid takes the index-th accepted point of the product, the last dimension changing fastest.
    /// </summary>
    public SearchPoint? Trial(int index, Func<SearchPoint, bool> isValid)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        if (Strategy == SearchStrategy.Random)
        {
            for (var attempt = 0; attempt < MaxDraws; attempt++)
            {
                var rng = new Rng(Mix(Seed, index, attempt));
                var point = new SearchPoint(Dimensions.ToDictionary(d => d.Name, d => Typed(d.Name, d.Draw(rng.NextDouble()))));
                if (isValid(point)) return point;
            }
            return null;
        }
        var seen = 0;
        foreach (var point in Grid())
            if (isValid(point) && seen++ == index) return point;
        return null;
    }

    /// <summary>The point that changes nothing: each dimension at the value <paramref name="settings"/> and
    /// <paramref name="architecture"/> already have (whether or not the space's lists or ranges hold it).</summary>
    public SearchPoint Unchanged(Hyperparameters settings, Architecture architecture) =>
        new(Dimensions.ToDictionary(d => d.Name, d => d.Name == ArchitectureName ? architecture
            : Settings[d.Name].GetValue(settings) ?? (object)NoneValue.Instance));

    /// <summary>The grid's points in order; the last dimension changes fastest.</summary>
    public IEnumerable<SearchPoint> Grid()
    {
        var lists = Dimensions.Select(GridValues).ToList();
        var total = (long)GridSize();
        for (long i = 0; i < total; i++)
        {
            var values = new Dictionary<string, object>();
            var rest = i;
            for (var k = lists.Count - 1; k >= 0; k--)
            {
                values[Dimensions[k].Name] = Typed(Dimensions[k].Name, lists[k][(int)(rest % lists[k].Count)]);
                rest /= lists[k].Count;
            }
            yield return new SearchPoint(Dimensions.ToDictionary(d => d.Name, d => values[d.Name]));
        }
    }

    private static List<object> GridValues(SearchDimension d) => d.Values?.ToList() ?? d.Integers().ToList();

    private static long Mix(int seed, int index, int attempt) =>
        unchecked(seed * 0x5851F42D4C957F2DL + index * 0x14057B7EF767814FL + attempt * 0x2545F4914F6CDD1DL);

    /// <summary>A value as the setting's type (int, float, bool, enum, string; "none" is null for an optional setting).</summary>
    private static object Typed(string name, object value) => Convert(value, TypeOf(name)!) ?? throw new ArgumentException($"Bad value for {name}.");

    internal static Type? TypeOf(string name) =>
        name == ArchitectureName ? typeof(Architecture) : Settings.TryGetValue(name, out var p) ? p.PropertyType : null;

    internal static void Set(ref Hyperparameters h, string name, object value)
    {
        var copy = h with { };
        Settings[name].SetValue(copy, value is NoneValue ? null : value);
        h = copy;
    }

    /// <summary>Stands for "none" (null) of an optional setting, so that a point's values are never null.</summary>
    public sealed class NoneValue
    {
        public static readonly NoneValue Instance = new();
        public override string ToString() => "none";
    }

    private static object? Convert(object value, Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        var optional = underlying is not null || type == typeof(string);
        var t = underlying ?? type;
        if (optional && value is string s0 && s0.Equals("none", StringComparison.OrdinalIgnoreCase)) return NoneValue.Instance;
        return (t, value) switch
        {
            _ when t == typeof(int) && value is double d && d == Math.Floor(d) && Math.Abs(d) <= int.MaxValue => (int)d,
            _ when t == typeof(float) && value is double d && double.IsFinite(d) => (float)d,
            _ when t == typeof(bool) && value is bool b => b,
            _ when t == typeof(string) && value is string s => s,
            _ when t.IsEnum && value is string s && Enum.TryParse(t, s, ignoreCase: true, out var e) && !int.TryParse(s, out _) => e,
            _ => null,
        };
    }

    private static bool IsInteger(Type t) => (Nullable.GetUnderlyingType(t) ?? t) == typeof(int);
    private static bool IsNumber(Type t) => IsInteger(t) || (Nullable.GetUnderlyingType(t) ?? t) == typeof(float);

    private static string Describe(Type t)
    {
        var u = Nullable.GetUnderlyingType(t) ?? t;
        return u.IsEnum ? string.Join(", ", Enum.GetNames(u).Select(n => n.ToLowerInvariant()))
            : u == typeof(int) ? "whole numbers" : u == typeof(float) ? "numbers" : u == typeof(bool) ? "true or false" : "names";
    }

    internal static string CamelCase(string name) => char.ToLowerInvariant(name[0]) + name[1..];
}
