using System.Text.Json;
using RnnService.Api.Infrastructure;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Api.Sweeps;

/// <summary>
/// The built-in search spaces of a sweep that names none (README "Sweeps" lists them), around the fitted defaults: the
/// learning rate on a log scale from 0.001 to 0.03, the width, and what the task's cross-validation found closest
/// (weight decay and pooling for classifiers; depth and cell for char models). Classifiers of larger data search wider
/// models; char models stay at 64-128 units, whose epochs on a few thousand lines keep the default budget within ten
/// minutes on two cores.
/// </summary>
public static class AutoSweep
{
    /// <summary>Labelled texts from which a classifier's widths shift up one step.</summary>
    public const int LargeData = 5000;

    public static Dictionary<string, JsonElement> SpaceFor(TaskKind task, DataShape shape)
    {
        object space = task == TaskKind.Sentiment
            ? new Dictionary<string, object>
            {
                ["learningRate"] = new { min = 0.001, max = 0.03, log = true },
                ["weightDecay"] = new[] { 0, 0.1, 1 },
                ["hiddenSize"] = shape.Samples >= LargeData ? new[] { 64, 128, 256 } : [32, 64, 128],
                ["pooling"] = new[] { "max", "mean" },
            }
            : new Dictionary<string, object>
            {
                ["learningRate"] = new { min = 0.001, max = 0.03, log = true },
                ["hiddenSize"] = new[] { 64, 128 },
                ["layers"] = new[] { 1, 2 },
                ["architecture"] = new[] { "lstm", "gru" },
            };
        return JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(JsonSerializer.Serialize(space, ApiJson.Options), ApiJson.Options)!;
    }
}
