using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tuning;

/// <summary>One trial's searched settings, by name, typed as the settings are (int, float, bool, an enum, a string, or
/// <see cref="SearchSpace.NoneValue"/> for "none").</summary>
public sealed record SearchPoint(IReadOnlyDictionary<string, object> Values)
{
    /// <summary>The point merged over the base settings and architecture.</summary>
    public (Hyperparameters Hyperparameters, Architecture Architecture) Apply(Hyperparameters baseSettings, Architecture baseArchitecture)
    {
        var h = baseSettings;
        var architecture = baseArchitecture;
        foreach (var (name, value) in Values)
        {
            if (name == SearchSpace.ArchitectureName) architecture = (Architecture)value;
            else SearchSpace.Set(ref h, name, value);
        }
        return (h, architecture);
    }

    /// <summary>The engine's own rules for the merged settings (<see cref="Hyperparameters.Errors(TaskKind)"/>).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Errors(TaskKind task, Hyperparameters baseSettings, Architecture baseArchitecture) =>
        Apply(baseSettings, baseArchitecture).Hyperparameters.Errors(task);
}
