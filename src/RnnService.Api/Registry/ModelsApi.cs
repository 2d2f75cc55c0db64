using System.Data.Common;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using RnnService.Api.Data;
using RnnService.Api.Inference;
using RnnService.Api.Infrastructure;
using RnnService.Api.Training;
using RnnService.Api.Webhooks;
using RnnService.Engine.Onnx;
using RnnService.Engine.Serialization;

namespace RnnService.Api.Registry;

/// <summary>A page of models, newest first.</summary>
public sealed record ModelPage(IReadOnlyList<ModelSummary> Items, int Page, int PageSize, int Total);

public static class ModelsApi
{
    public static RouteGroupBuilder MapModels(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/models").WithTags("Models");

        group.MapGet("/", ListAsync)
            .WithName("ListModels")
            .WithSummary("List trained models, newest first (paged: page from 1, pageSize 1-100; name= for one named model's versions)");

        group.MapGet("/{reference}", GetAsync)
            .WithName("GetModel")
            .WithSummary("Get a model: config, vocabulary size, parameter count, final metrics, job id, version and aliases")
            .WithDescription(ReferenceDescription)
            .ProducesValidationProblem();

        group.MapGet("/{reference}/weights", WeightsAsync)
            .WithName("GetModelWeights")
            .WithSummary("Download the weights as a safetensors file")
            .WithDescription("PyTorch state_dict names (embedding.weight, rnn.weight_ih_l0, ..., head.weight, head.bias); " +
                "the model config is JSON in the file's metadata under \"config\". A line model's training-line hashes stay on the server (the file " +
                "carries nothing that tells whether a line was trained on). " + ReferenceDescription)
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .ProducesValidationProblem();

        group.MapGet("/{reference}/onnx", OnnxAsync)
            .WithName("GetModelOnnx")
            .WithSummary("Download the model as an ONNX file (opset 14) for ONNX Runtime and other runtimes")
            .WithDescription("Sentiment: inputs tokens int64 [batch, sequence] (word ids, padded with 0) and lengths int32 [batch]; " +
                "output probability [batch] (of positive), for every pooling and for bidirectional models. Char models: input tokens int64 " +
                "[batch, sequence], optional initial_h (and initial_c for LSTM) float [layers, batch, hidden]; outputs logits [batch, sequence, vocabulary], final_h (and final_c). " +
                "The config and vocabulary are in the file's metadata_props (\"config\", \"vocabulary\", \"task\"). " + ReferenceDescription)
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .ProducesValidationProblem();

        group.MapDelete("/{reference}", DeleteAsync)
            .WithName("DeleteModel")
            .WithSummary("Delete a model (and drop it from the inference cache)")
            .WithDescription("409 while an alias points at it (move or delete the alias first), or while a queued, running or paused job fine-tunes it (initFrom). " + ReferenceDescription)
            .ProducesValidationProblem();

        group.MapModelRegistry();
        return group;
    }

    public const string ReferenceDescription = "The reference is a model id, a name (its 'production' alias if set, else its latest version), " +
        "name@version or name@alias; an unknown name, version or alias is 404 naming the field.";

    private static async Task<Results<Ok<ModelPage>, ValidationProblem>> ListAsync(RnnDbContext db, [AsParameters] PageRequest page, string? name,
        CancellationToken ct)
    {
        if (page.Problem() is { } invalid) return invalid;
        var query = db.Models.AsNoTracking();
        if (!string.IsNullOrEmpty(name)) query = query.Where(m => m.Name == name);
        var total = await query.CountAsync(ct);
        var rows = await page.Of(query.OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id)).ToListAsync(ct);
        var ids = rows.Select(m => m.Id).ToList();
        var aliases = (await db.ModelAliases.AsNoTracking().Where(a => ids.Contains(a.ModelId)).ToListAsync(ct))
            .ToLookup(a => a.ModelId, a => a.Alias);
        var items = rows.Select(m => m.AsSummary(aliases[m.Id].Order(StringComparer.Ordinal).ToList())).ToList();
        return TypedResults.Ok(new ModelPage(items, page.Number, page.Size, total));
    }

    private static async Task<Results<Ok<ModelResponse>, NotFoundProblem, ProblemHttpResult>> GetAsync(string reference, RnnDbContext db, CancellationToken ct)
    {
        var lookup = await ModelResolver.ResolveAsync(db, reference, "reference", ct);
        if (lookup.Problem is { } problem) return problem;
        var id = lookup.Id!.Value;
        var model = await db.Models.AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, ct);
        if (model is null) return Problems.NotFound($"No model {id}.");
        var aliases = await db.ModelAliases.AsNoTracking().Where(a => a.ModelId == id).Select(a => a.Alias).OrderBy(a => a).ToListAsync(ct);
        return TypedResults.Ok(model.AsResponse(aliases));
    }

    private static async Task<Results<FileContentHttpResult, NotFoundProblem, ProblemHttpResult>> WeightsAsync(string reference, RnnDbContext db, CancellationToken ct)
    {
        var lookup = await ModelResolver.ResolveAsync(db, reference, "reference", ct);
        if (lookup.Problem is { } problem) return problem;
        var id = lookup.Id!.Value;
        var file = await db.Models.AsNoTracking().Where(m => m.Id == id)
            .Join(db.ModelWeights, m => m.Id, w => w.ModelId, (m, w) => new { m.Name, m.Version, Weights = w.Bytes }).FirstOrDefaultAsync(ct);
        if (file is null) return Problems.NotFound($"No model {id}.");
        return TypedResults.File(ModelSerializer.ForExport(file.Weights), "application/octet-stream", $"{DownloadName(file.Name, file.Version, id)}.safetensors");
    }

    private static async Task<Results<FileContentHttpResult, NotFoundProblem, ProblemHttpResult>> OnnxAsync(string reference, RnnDbContext db, ModelCache cache, CancellationToken ct)
    {
        var lookup = await ModelResolver.ResolveAsync(db, reference, "reference", ct);
        if (lookup.Problem is { } problem) return problem;
        var id = lookup.Id!.Value;
        var model = await cache.GetAsync(id, db, ct);
        if (model is null) return Problems.NotFound($"No model {id}.");
        var named = await db.Models.AsNoTracking().Where(m => m.Id == id).Select(m => new { m.Name, m.Version }).FirstOrDefaultAsync(ct);
        return TypedResults.File(OnnxExporter.Export(model), "application/octet-stream", $"{DownloadName(named?.Name, named?.Version, id)}.onnx");
    }

    /// <summary>The model's name with anything but letters, digits, '-' and '_' replaced, or its id.</summary>
    private static string DownloadName(string? name, int? version, Guid id) =>
        string.IsNullOrWhiteSpace(name) ? id.ToString()
        : string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_')) + (version is { } v ? $"-v{v}" : "");

    private static async Task<Results<NoContent, NotFoundProblem, ConflictProblem, ProblemHttpResult>> DeleteAsync(
        string reference, RnnDbContext db, ModelCache cache, CancellationToken ct)
    {
        var lookup = await ModelResolver.ResolveAsync(db, reference, "reference", ct);
        if (lookup.Problem is { } problem) return problem;
        var id = lookup.Id!.Value;
        int deleted;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        try
        {
            await JobStore.LockEnqueuesAsync(db, ct); // a fine-tuning job queued meanwhile is seen by the statement below
            await WebhookOutbox.ModelDeletingAsync(db, id, ct); // rolled back with the transaction when nothing is deleted
            // One statement: an alias set between a check and the delete cannot slip through (the foreign key backs this up).
            var unfinished = JobStore.Unfinished(db);
            deleted = await db.Models.Where(m => m.Id == id && !db.ModelAliases.Any(a => a.ModelId == m.Id)
                && !unfinished.Any(j => j.InitFromModelId == m.Id)).ExecuteDeleteAsync(ct);
        }
        catch (DbException)
        {
            deleted = 0;
        }
        if (deleted == 1) await transaction.CommitAsync(ct);
        else await transaction.RollbackAsync(ct);
        if (deleted == 1)
        {
            cache.Evict(id);
            return TypedResults.NoContent();
        }
        var aliases = await db.ModelAliases.AsNoTracking().Where(a => a.ModelId == id).ToListAsync(ct);
        if (aliases.Count > 0)
            return Problems.Conflict("reference", $"The alias(es) {string.Join(", ", aliases.Select(a => $"{a.Name}@{a.Alias}"))} point at this model; " +
                "move or delete them first (PUT or DELETE /models/{name}/aliases/{alias}).");
        var job = await JobStore.Unfinished(db).Where(j => j.InitFromModelId == id).Select(j => (Guid?)j.Id).FirstOrDefaultAsync(ct);
        if (job is not null)
            return Problems.Conflict("reference", $"The queued, running or paused job {job} fine-tunes this model (initFrom); cancel it or wait for it to finish.");
        return Problems.NotFound($"No model {id}.");
    }
}
