using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using RnnService.Api.Data;
using RnnService.Api.Infrastructure;
using RnnService.Api.Models;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Api.Jobs;

/// <summary>The base of a fine-tuning job, as POST /train checks it: the model initFrom names and its config.</summary>
public sealed record FineTuneBase(Guid ModelId, ModelConfig Config)
{
    /// <summary>Resolves initFrom; a problem naming initFrom or architecture when it cannot be the base of this job.</summary>
    public static async Task<(FineTuneBase? Base, ProblemHttpResult? Problem)> FindAsync(
        RnnDbContext db, string reference, TaskKind task, Architecture? architecture, CancellationToken ct)
    {
        var lookup = await ModelResolver.ResolveAsync(db, reference, "initFrom", ct);
        if (lookup.Problem is { } problem) return (null, problem);
        var id = lookup.Id!.Value;
        var configJson = await db.Models.AsNoTracking().Where(m => m.Id == id).Select(m => m.ConfigJson).FirstOrDefaultAsync(ct);
        if (configJson is null) return (null, RegistryProblems.NotFound("initFrom", $"No model {id}."));
        var config = JsonSerializer.Deserialize<ModelConfig>(configJson, ApiJson.Options)!;
        if (config.Task != task)
            return (null, RegistryProblems.Invalid("initFrom", $"The base model is a {ApiJson.EnumName(config.Task)} model; this job's task is {ApiJson.EnumName(task)}."));
        if (architecture is { } wanted && wanted != config.Architecture)
            return (null, RegistryProblems.Invalid("architecture",
                $"The base model (initFrom) is {ApiJson.EnumName(config.Architecture)}; fine-tuning keeps the architecture (omit it, or give {ApiJson.EnumName(config.Architecture)})."));
        return (new FineTuneBase(id, config), null);
    }

    /// <summary>A char model reads either lines (framed by &lt;bos&gt;/&lt;eos&gt;) or one continuous text, and its alphabet
    /// says which; the engine refuses a corpus of the other kind when the job starts, so the request is refused here,
    /// before a job is queued only to fail in the worker. Null when the dataset fits.</summary>
    public ProblemHttpResult? CheckLineMode(string dataset, DataShape? shape)
    {
        if (Config.Task != TaskKind.CharLm || shape is null || Config.LineMode != shape.Continuous) return null;
        string Kind(bool lines) => lines ? "lines (one sample per line)" : "continuous text";
        return RegistryProblems.Invalid("initFrom", $"The base model was trained on {Kind(Config.LineMode)}; the dataset '{dataset}' is " +
            $"{Kind(!shape.Continuous)}. Fine-tune it on {Kind(Config.LineMode)} (an upload's lineMode says which).");
    }

    /// <summary>The sizes and pretrained embeddings come from the base model; a request that asks for others gets an error naming each field.</summary>
    public Hyperparameters ApplySizes(HyperparametersRequest? request, Hyperparameters merged, Dictionary<string, string[]> errors)
    {
        void Same(string field, int? asked, int actual)
        {
            if (asked is { } value && value != actual)
                errors[$"hyperparameters.{field}"] = [$"The base model (initFrom) has {field} {actual}; fine-tuning keeps it (omit it, or give {actual})."];
        }
        Same("embeddingSize", request?.EmbeddingSize, Config.EmbeddingSize);
        Same("hiddenSize", request?.HiddenSize, Config.HiddenSize);
        Same("layers", request?.Layers, Config.Layers);
        string basePretrained = Config.Hyperparameters.PretrainedEmbeddings ?? HyperparameterRules.NoPretrainedEmbeddings;
        if (request?.PretrainedEmbeddings is { } asked && asked != basePretrained)
            errors["hyperparameters.pretrainedEmbeddings"] = [$"The base model (initFrom) has pretrainedEmbeddings {basePretrained}; fine-tuning keeps it (omit it, or give {basePretrained})."];
        return merged with
        {
            EmbeddingSize = Config.EmbeddingSize, HiddenSize = Config.HiddenSize, Layers = Config.Layers,
            PretrainedEmbeddings = Config.Hyperparameters.PretrainedEmbeddings,
        };
    }
}
