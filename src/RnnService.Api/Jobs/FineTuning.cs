using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using RnnService.Api.Data;
using RnnService.Api.Infrastructure;
using RnnService.Api.Registry;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Api.Jobs;

/// <summary>The base of a fine-tuning job, as POST /train finds it: the model initFrom names and its config. What the job
/// must keep from it is the engine's rule (<see cref="FineTuneRules"/>); this maps its errors to the request's fields.</summary>
public sealed record FineTuneBase(Guid ModelId, ModelConfig Config)
{
    /// <summary>Resolves initFrom; a problem naming initFrom when no model answers to it.</summary>
    public static async Task<(FineTuneBase? Base, ProblemHttpResult? Problem)> FindAsync(RnnDbContext db, string reference, CancellationToken ct)
    {
        var lookup = await ModelResolver.ResolveAsync(db, reference, "initFrom", ct);
        if (lookup.Problem is { } problem) return (null, problem);
        var id = lookup.Id!.Value;
        var configJson = await db.Models.AsNoTracking().Where(m => m.Id == id).Select(m => m.ConfigJson).FirstOrDefaultAsync(ct);
        if (configJson is null) return (null, Problems.NotFound("initFrom", $"No model {id}."));
        return (new FineTuneBase(id, ModelConfig.FromJson(configJson)), null);
    }

    /// <summary>The engine's refusal of a char model's data with characters its base never saw
    /// (<see cref="FineTuneRules.NewCharacters"/>), for the dataset field; null when the data fits.</summary>
    public string? NewCharactersProblem(TrainingData data) =>
        data is TextCorpus corpus && FineTuneRules.NewCharacters(Config, corpus) is { Count: > 0 } unseen
            ? FineTuneRules.NewCharactersMessage(unseen) : null;

    /// <summary>The sizes and pretrained embeddings the request leaves out come from the base model.</summary>
    public Hyperparameters KeepSizes(HyperparametersRequest? request, Hyperparameters merged) => merged with
    {
        EmbeddingSize = request?.EmbeddingSize ?? Config.EmbeddingSize,
        HiddenSize = request?.HiddenSize ?? Config.HiddenSize,
        Layers = request?.Layers ?? Config.Layers,
        PretrainedEmbeddings = request?.PretrainedEmbeddings is null ? Config.Hyperparameters.PretrainedEmbeddings : merged.PretrainedEmbeddings,
    };

    /// <summary>The engine's fine-tuning rules, keyed by the request's fields: the task and the data's kind name initFrom,
    /// the architecture its field, a size its hyper-parameter.</summary>
    public Dictionary<string, string[]> Check(TaskKind task, Architecture? architecture, Hyperparameters hyperparameters, DataShape shape) =>
        FineTuneRules.Errors(Config, task, architecture ?? Config.Architecture, hyperparameters, !shape.Continuous)
            .ToDictionary(e => e.Key switch
            {
                "Task" or "LineMode" => "initFrom",
                "Architecture" => "architecture",
                var property => "hyperparameters." + Problems.CamelCase(property),
            }, e => new[] { e.Value });
}
