namespace RnnService.Engine.Sampling;

/// <summary>
/// How a char model writes text. Temperature 0 = greedy (argmax); TopK 0 = off; TopP 1 = off.
/// MaxLength counts generated characters after the prompt, Prefix included; a line model cannot end a sample
/// before MinLength of them. Prefix is written first (the sample starts with Prompt + Prefix); a sample ends
/// before the first Stop string it produces after MinLength characters (the stop string is not kept).
/// </summary>
public sealed record GenerationOptions
{
    public string Prompt { get; init; } = "";
    public int MaxLength { get; init; } = 200;
    public float Temperature { get; init; } = 1f;
    public int TopK { get; init; }
    public float TopP { get; init; } = 1f;
    public int Seed { get; init; }
    public int Count { get; init; } = 1;
    public int MinLength { get; init; }
    public string Prefix { get; init; } = "";
    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <summary>Throws ArgumentOutOfRangeException for the first of <see cref="Errors"/>; its ParamName is the property's name.</summary>
    public void Validate()
    {
        foreach (var (field, message) in Errors())
            throw new ArgumentOutOfRangeException(field, message);
    }

    /// <summary>Every invalid setting at once, keyed by property name ("MaxLength", "Stop[1]" for one stop string), in
    /// declaration order; empty when valid. Comparisons are written so that NaN fails them.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Errors()
    {
        var errors = new List<KeyValuePair<string, string>>();
        void Check(bool ok, string field, string message)
        {
            if (!ok) errors.Add(new(field, message));
        }
        Check(Prompt is not null, nameof(Prompt), "Prompt must not be null (use \"\").");
        Check(MaxLength >= 1, nameof(MaxLength), "MaxLength must be at least 1.");
        Check(Temperature >= 0 && float.IsFinite(Temperature), nameof(Temperature), "Temperature must be a finite number ≥ 0.");
        Check(TopK >= 0, nameof(TopK), "TopK must be ≥ 0 (0 = off).");
        Check(TopP > 0 && TopP <= 1, nameof(TopP), "TopP must be in (0, 1].");
        Check(Count >= 1, nameof(Count), "Count must be at least 1.");
        Check(MinLength >= 0 && MinLength <= Math.Max(MaxLength, 0), nameof(MinLength), $"MinLength must be between 0 and MaxLength ({MaxLength}).");
        Check(Prefix is not null, nameof(Prefix), "Prefix must not be null (use \"\").");
        Check(Prefix is null || Prefix.Length <= MaxLength, nameof(Prefix), $"Prefix must be at most MaxLength ({MaxLength}) characters: it counts towards it.");
        Check(Stop is not null, nameof(Stop), "Stop must not be null (use an empty list).");
        for (var i = 0; i < (Stop?.Count ?? 0); i++)
            Check(!string.IsNullOrEmpty(Stop![i]), $"{nameof(Stop)}[{i}]", "Stop strings must not be empty.");
        return errors;
    }
}
