namespace RnnService.Engine.Sampling;

/// <summary>
/// How a char model writes text. Temperature 0 = greedy (argmax); TopK 0 = off; TopP 1 = off.
/// MaxLength counts generated characters after the prompt.
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

    /// <summary>Throws ArgumentException whose ParamName is the offending property's name.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Prompt, nameof(Prompt));
        if (MaxLength < 1) throw new ArgumentOutOfRangeException(nameof(MaxLength), MaxLength, "MaxLength must be at least 1.");
        if (!(Temperature >= 0) || !float.IsFinite(Temperature)) throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "Temperature must be a finite number ≥ 0.");
        if (TopK < 0) throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "TopK must be ≥ 0 (0 = off).");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "TopP must be in (0, 1].");
        if (Count < 1) throw new ArgumentOutOfRangeException(nameof(Count), Count, "Count must be at least 1.");
    }
}
