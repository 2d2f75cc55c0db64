namespace RnnService.Engine.Sampling;

/// <summary>
/// How a char model writes text. Temperature 0 = greedy (argmax); TopK 0 = off; TopP 1 = off.
/// MaxLength counts generated characters after the prompt, Prefix included; a line model cannot end a sample
/// before MinLength of them. Prefix is written first (the sample starts with Prompt + Prefix); a sample ends
/// before the first Stop string it produces after MinLength characters (the stop string is not kept).
/// </summary>
public sealed record GenerationOptions
{
    /// <summary>MaxLength when neither the request nor the model says otherwise (continuous models, older line models).</summary>
    public const int DefaultMaxLength = 200;

    public string Prompt { get; init; } = "";
    public int MaxLength { get; init; } = DefaultMaxLength;
    public float Temperature { get; init; } = 1f;
    public int TopK { get; init; }
    public float TopP { get; init; } = 1f;
    public int Seed { get; init; }
    public int Count { get; init; } = 1;
    public int MinLength { get; init; }
    public string Prefix { get; init; } = "";
    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <summary>A line model's default MaxLength: its longest training line plus a quarter, and at least 5 characters more,
    /// so a sample as long as any it learned from still ends by itself.</summary>
    public static int LineMaxLength(int longestLine) => Math.Max(longestLine + 5, (int)Math.Ceiling(longestLine * 1.25));

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
        // The messages read beside the field a request named (the property's camelCase JSON name).
        Check(Prompt is not null, nameof(Prompt), "Must not be null (use \"\").");
        Check(MaxLength >= 1, nameof(MaxLength), "Must be at least 1.");
        Check(Temperature >= 0 && float.IsFinite(Temperature), nameof(Temperature), "Must be a finite number, 0 or more.");
        Check(TopK >= 0, nameof(TopK), "Must be 0 (off) or more.");
        Check(TopP > 0 && TopP <= 1, nameof(TopP), "Must be in (0, 1].");
        Check(Count >= 1, nameof(Count), "Must be at least 1.");
        Check(MinLength >= 0 && MinLength <= Math.Max(MaxLength, 0), nameof(MinLength), $"Must be between 0 and maxLength ({MaxLength}).");
        Check(Prefix is not null, nameof(Prefix), "Must not be null (use \"\").");
        Check(Prefix is null || Prefix.Length <= MaxLength, nameof(Prefix), $"At most maxLength ({MaxLength}) characters: the prefix counts towards it.");
        Check(Stop is not null, nameof(Stop), "Must not be null (use an empty list).");
        for (var i = 0; i < (Stop?.Count ?? 0); i++)
            Check(!string.IsNullOrEmpty(Stop![i]), $"{nameof(Stop)}[{i}]", "Must not be empty.");
        return errors;
    }
}
