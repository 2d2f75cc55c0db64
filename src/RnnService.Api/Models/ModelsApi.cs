using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using RnnService.Api.Data;
using RnnService.Api.Infrastructure;
using RnnService.Engine.Onnx;

namespace RnnService.Api.Models;

/// <summary>A page of models, newest first.</summary>
public sealed record ModelPage(IReadOnlyList<ModelSummary> Items, int Page, int PageSize, int Total);

public static class ModelsApi
{
    public static RouteGroupBuilder MapModels(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/models").WithTags("Models");

        group.MapGet("/", ListAsync)
            .WithName("ListModels")
            .WithSummary("List trained models, newest first (paged: page from 1, pageSize 1-100)");

        group.MapGet("/{id:guid}", GetAsync)
            .WithName("GetModel")
            .WithSummary("Get a model: config, vocabulary size, parameter count, final metrics, job id");

        group.MapGet("/{id:guid}/weights", WeightsAsync)
            .WithName("GetModelWeights")
            .WithSummary("Download the weights as a safetensors file")
            .WithDescription("PyTorch state_dict names (embedding.weight, rnn.weight_ih_l0, ..., head.weight, head.bias); " +
                "the model config is JSON in the file's metadata under \"config\".")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream");

        group.MapGet("/{id:guid}/onnx", OnnxAsync)
            .WithName("GetModelOnnx")
            .WithSummary("Download the model as an ONNX file (opset 14) for ONNX Runtime and other runtimes")
            .WithDescription("Sentiment: inputs tokens int64 [batch, sequence] (word ids, padded with 0) and lengths int32 [batch]; " +
                "output probability [batch] (of positive). Char models: input tokens int64 [batch, sequence], optional initial_h " +
                "(and initial_c for LSTM) float [layers, batch, hidden]; outputs logits [batch, sequence, vocabulary], final_h (and final_c). " +
                "The config and vocabulary are in the file's metadata_props (\"config\", \"vocabulary\", \"task\").")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream");

        group.MapDelete("/{id:guid}", DeleteAsync)
            .RequireApiKey()
            .WithName("DeleteModel")
            .WithSummary("Delete a model (and drop it from the inference cache)");

        return group;
    }

    private static async Task<Results<Ok<ModelPage>, ValidationProblem>> ListAsync(RnnDbContext db, int? page, int? pageSize, CancellationToken ct)
    {
        var p = page ?? 1;
        var size = pageSize ?? 20;
        if (p < 1) return Problems.Invalid("page", "Must be at least 1.");
        if (size is < 1 or > 100) return Problems.Invalid("pageSize", "Must be between 1 and 100.");
        var total = await db.Models.CountAsync(ct);
        var items = await db.Models.AsNoTracking().OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id)
            .Skip((p - 1) * size).Take(size)
            .ToListAsync(ct);
        return TypedResults.Ok(new ModelPage(items.Select(m => m.AsSummary()).ToList(), p, size, total));
    }

    private static async Task<Results<Ok<ModelResponse>, NotFoundProblem>> GetAsync(Guid id, RnnDbContext db, CancellationToken ct)
    {
        var model = await db.Models.AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, ct);
        return model is null ? Problems.NotFound($"No model {id}.") : TypedResults.Ok(model.AsResponse());
    }

    private static async Task<Results<FileContentHttpResult, NotFoundProblem>> WeightsAsync(Guid id, RnnDbContext db, CancellationToken ct)
    {
        var file = await db.Models.AsNoTracking().Where(m => m.Id == id)
            .Join(db.ModelWeights, m => m.Id, w => w.ModelId, (m, w) => new { m.Name, Weights = w.Bytes }).FirstOrDefaultAsync(ct);
        if (file is null) return Problems.NotFound($"No model {id}.");
        return TypedResults.File(file.Weights, "application/octet-stream", $"{DownloadName(file.Name, id)}.safetensors");
    }

    private static async Task<Results<FileContentHttpResult, NotFoundProblem, ConflictProblem>> OnnxAsync(Guid id, RnnDbContext db, ModelCache cache, CancellationToken ct)
    {
        var model = await cache.GetAsync(id, db, ct);
        if (model is null) return Problems.NotFound($"No model {id}.");
        if (OnnxExporter.Unsupported(model.Config) is { } reason) return Problems.Conflict(reason + " The safetensors weights (GET /models/{id}/weights) load into PyTorch.");
        var name = await db.Models.AsNoTracking().Where(m => m.Id == id).Select(m => m.Name).FirstOrDefaultAsync(ct);
        return TypedResults.File(OnnxExporter.Export(model), "application/octet-stream", $"{DownloadName(name, id)}.onnx");
    }

    /// <summary>The model's name with anything but letters, digits, '-' and '_' replaced, or its id.</summary>
    private static string DownloadName(string? name, Guid id) =>
        string.IsNullOrWhiteSpace(name) ? id.ToString() : string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_'));

    private static async Task<Results<NoContent, NotFoundProblem>> DeleteAsync(Guid id, RnnDbContext db, ModelCache cache, CancellationToken ct)
    {
        var deleted = await db.Models.Where(m => m.Id == id).ExecuteDeleteAsync(ct);
        cache.Evict(id);
        return deleted == 0 ? Problems.NotFound($"No model {id}.") : TypedResults.NoContent();
    }
}
