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

    /// <summary>Throws ArgumentException whose ParamName is the offending property's name.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Prompt, nameof(Prompt));
        if (MaxLength < 1) throw new ArgumentOutOfRangeException(nameof(MaxLength), MaxLength, "MaxLength must be at least 1.");
        if (!(Temperature >= 0) || !float.IsFinite(Temperature)) throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "Temperature must be a finite number ≥ 0.");
        if (TopK < 0) throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "TopK must be ≥ 0 (0 = off).");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "TopP must be in (0, 1].");
        if (Count < 1) throw new ArgumentOutOfRangeException(nameof(Count), Count, "Count must be at least 1.");
        if (!(MinLength >= 0 && MinLength <= MaxLength)) throw new ArgumentOutOfRangeException(nameof(MinLength), MinLength, "MinLength must be between 0 and MaxLength.");
        ArgumentNullException.ThrowIfNull(Prefix, nameof(Prefix));
        if (Prefix.Length > MaxLength) throw new ArgumentOutOfRangeException(nameof(Prefix), Prefix.Length, "Prefix must not be longer than MaxLength.");
        ArgumentNullException.ThrowIfNull(Stop, nameof(Stop));
        if (Stop.Any(string.IsNullOrEmpty)) throw new ArgumentException("Stop strings must not be empty.", nameof(Stop));
    }
}
