using System.ComponentModel.DataAnnotations;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RnnService.Api.Data;
using RnnService.Api.Infrastructure;
using RnnService.Api.Jobs;
using RnnService.Api.Sweeps;
using RnnService.Api.Training;
using RnnService.Engine.Data;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Api.Datasets;

/// <summary>An upload. csv: header text,label with labels 0/1; jsonl: one {"text","label"} per line;
/// text: a corpus for char models, or one sample per line with lineMode true.</summary>
/// <example>{"name": "pets", "task": "charlm", "format": "text", "content": "rex\nfido\nbella\n", "lineMode": true}</example>
/// <param name="Name">The dataset's name: lowercase letters, digits, '_' and '-', at most 64, not a built-in's.</param>
/// <param name="Task">sentiment (csv or jsonl) or charlm (text).</param>
/// <param name="Format">csv, jsonl or text.</param>
/// <param name="Content">The file's text (at most Limits:MaxUploadBytes as UTF-8).</param>
/// <param name="LineMode">Text only: each line is one sample (names, titles); otherwise one continuous text.</param>
public sealed record CreateDatasetRequest([property: Required] string? Name, [property: Required] TaskKind? Task,
    [property: Required] DatasetFormat? Format, [property: Required] string? Content, bool? LineMode) : IRequestDefaults<CreateDatasetRequest>
{
    public static CreateDatasetRequest Defaults { get; } = new(null, null, null, null, LineMode: false);
}

public static partial class DatasetsApi
{
    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$")]
    private static partial Regex NamePattern();

    public static RouteGroupBuilder MapDatasets(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/datasets").WithTags("Datasets");

        group.MapGet("/", ListAsync)
            .WithName("ListDatasets")
            .WithSummary("List built-in and uploaded datasets with their task and size");

        group.MapGet("/{name}", GetAsync)
            .WithName("GetDataset")
            .WithSummary("Get a dataset's summary");

        group.MapGet("/{name}/preview", PreviewAsync)
            .WithName("PreviewDataset")
            .WithSummary("The first rows of a dataset")
            .WithDescription("rows (1-100, default 10): sentiment examples with their labels, the first lines of a text " +
                "(each cut to 200 characters).");

        group.MapPost("/", CreateAsync)
            .WithName("UploadDataset")
            .WithSummary("Upload a dataset")
            .WithDescription("The content is parsed at once (400 naming the line on bad content) and stored. " +
                "Names match ^[a-z0-9][a-z0-9_-]{0,63}$; 409 when the name is taken; 413 above Limits:MaxUploadBytes; 507 when datasets " +
                "and models would take more than Limits:MaxStoredBytes (the answer says what is stored and the largest things to delete).")
            .Accepts<CreateDatasetRequest>("application/json")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status507InsufficientStorage);

        group.MapDelete("/{name}", DeleteAsync)
            .WithName("DeleteDataset")
            .WithSummary("Delete an uploaded dataset")
            .WithDescription("409 for a built-in dataset, or while a queued, running or paused job uses it.");

        return group;
    }

    private static async Task<Ok<List<DatasetResponse>>> ListAsync(RnnDbContext db, CancellationToken ct)
    {
        var uploads = await db.Datasets.AsNoTracking().OrderBy(d => d.Name)
            .Select(d => new DatasetResponse(d.Name, d.Task, false, null, d.Format, d.LineMode, d.Samples, d.Bytes, d.CreatedAt))
            .ToListAsync(ct);
        return TypedResults.Ok(DatasetCatalog.BuiltInSummaries.Concat(uploads).ToList());
    }

    private static async Task<Results<Ok<DatasetResponse>, NotFoundProblem>> GetAsync(string name, RnnDbContext db, CancellationToken ct)
    {
        if (DatasetCatalog.BuiltInSummaries.FirstOrDefault(d => d.Name == name) is { } builtIn) return TypedResults.Ok(builtIn);
        var upload = await db.Datasets.AsNoTracking().Where(d => d.Name == name)
            .Select(d => new DatasetResponse(d.Name, d.Task, false, null, d.Format, d.LineMode, d.Samples, d.Bytes, d.CreatedAt))
            .FirstOrDefaultAsync(ct);
        return upload is null ? Problems.NotFound($"No dataset named '{name}'.") : TypedResults.Ok(upload);
    }

    private static async Task<Results<Ok<DatasetPreview>, ValidationProblem, NotFoundProblem>> PreviewAsync(
        string name, int? rows, RnnDbContext db, CancellationToken ct)
    {
        var count = rows ?? 10;
        if (count is < 1 or > 100) return Problems.Invalid("rows", "Must be between 1 and 100.");
        if (DatasetCatalog.IsBuiltIn(name)) return TypedResults.Ok(BuiltInPreview(name, count));

        var upload = await db.Datasets.AsNoTracking().Where(d => d.Name == name)
            .Select(d => new { d.Task, d.Format, d.Samples }).FirstOrDefaultAsync(ct);
        if (upload is null) return Problems.NotFound($"No dataset named '{name}'.");
        // Only the start of the content is read: a window that grows until it holds the rows asked for (or the whole
        // content), up to PreviewMaxWindow characters, so a preview costs the same for any size of dataset.
        IReadOnlyList<PreviewRow> found = [];
        for (var window = PreviewFirstWindow; window <= PreviewMaxWindow; window *= 4)
        {
            var prefix = await db.DatasetContents.Where(c => c.Name == name).Select(c => c.Content.Substring(0, window)).FirstOrDefaultAsync(ct);
            if (prefix is null) return Problems.NotFound($"No dataset named '{name}'.");
            var complete = prefix.Length < window;
            found = PreviewRows.FirstRows(upload.Task, DatasetCatalog.FormatName(upload.Format), prefix, complete, count, PreviewTextLength);
            if (found.Count >= count || complete) break;
        }
        return TypedResults.Ok(new DatasetPreview(name, upload.Task, upload.Samples, found.Select(r => new DatasetRow(r.Text, r.Label)).ToList()));
    }

    private const int PreviewFirstWindow = 16 * 1024, PreviewMaxWindow = 1024 * 1024, PreviewTextLength = 200;

    /// <summary>Built-in datasets are small and loaded once per process.</summary>
    private static DatasetPreview BuiltInPreview(string name, int count)
    {
        var data = BuiltInDatasets.Load(name);
        var preview = data switch
        {
            SentimentData s => s.Train.Concat(s.Test ?? []).Take(count).Select(e => new DatasetRow(e.Text, e.Label)).ToList(),
            TextCorpus t => t.Text.Split('\n').Where(line => line.Length > 0).Take(count)
                .Select(line => new DatasetRow(line.Length > PreviewTextLength ? line[..PreviewTextLength] : line, null)).ToList(),
            _ => [],
        };
        var task = data is SentimentData ? TaskKind.Sentiment : TaskKind.CharLm;
        return new DatasetPreview(name, task, DatasetCatalog.CountSamples(data), preview);
    }

    private static async Task<Results<Created<DatasetResponse>, ValidationProblem, ConflictProblem, ProblemHttpResult>> CreateAsync(
        HttpRequest http, RnnDbContext db, IOptions<LimitsOptions> limits, CancellationToken ct)
    {
        if (await ReadUploadAsync(http, ct) is not { } request) return Problems.Invalid("body", "The body is empty; this endpoint needs a JSON object.");
        if (string.IsNullOrEmpty(request.Name) || !NamePattern().IsMatch(request.Name))
            return Problems.Invalid("name", "Must match ^[a-z0-9][a-z0-9_-]{0,63}$ (lowercase letters, digits, '_' and '-').");
        if (request.Task is not { } task) return Problems.Invalid("task", "Required: sentiment or charlm.");
        if (request.Format is not { } format) return Problems.Invalid("format", "Required: csv, jsonl or text.");
        if ((task == TaskKind.Sentiment) == (format == DatasetFormat.Text))
            return Problems.Invalid("format", task == TaskKind.Sentiment ? "Sentiment data is csv or jsonl." : "Char-model data is text.");
        if (string.IsNullOrWhiteSpace(request.Content)) return Problems.Invalid("content", "Must not be empty.");
        var bytes = Encoding.UTF8.GetByteCount(request.Content);
        if (bytes > limits.Value.MaxUploadBytes)
            return Problems.TooLarge("content", $"The content is {bytes} bytes; the limit is {limits.Value.MaxUploadBytes} bytes (Limits:MaxUploadBytes).");
        var lineMode = format == DatasetFormat.Text && (request.LineMode ?? CreateDatasetRequest.Defaults.LineMode!.Value);

        if (DatasetCatalog.IsBuiltIn(request.Name) || await db.Datasets.AnyAsync(d => d.Name == request.Name, ct))
            return Problems.Conflict($"A dataset named '{request.Name}' already exists.");

        int samples;
        try
        {
            samples = DatasetCatalog.CountSamples(DatasetParser.Parse(task, DatasetCatalog.FormatName(format), request.Content, lineMode));
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            return Problems.Invalid("content", ex.Message);
        }

        var dataset = new Dataset
        {
            Name = request.Name, Task = task, Format = format, LineMode = lineMode,
            Samples = samples, Bytes = bytes, CreatedAt = DateTime.UtcNow,
        };
        // The quota check and the insert hold off other uploads (and trainings' quota checks), so two uploads cannot
        // both take the same free space.
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await StorageQuota.LockAsync(db, ct);
        if (await StorageQuota.CheckAsync(db, bytes, limits.Value.MaxStoredBytes, $"The dataset '{request.Name}'", ct) is { } full) return full;
        db.Datasets.Add(dataset);
        try
        {
            await db.SaveChangesAsync(ct);
            await DatasetContentWriter.InsertAsync(db, request.Name, request.Content, bytes, ct);
            await transaction.CommitAsync(ct);
        }
        catch (DbUpdateException)
        {
            return Problems.Conflict($"A dataset named '{request.Name}' already exists.");
        }
        return TypedResults.Created($"/datasets/{dataset.Name}", dataset.AsResponse());
    }

    /// <summary>The API's JSON options, with an upload's content read by <see cref="UnescapingStringConverter"/>.</summary>
    private static readonly JsonSerializerOptions UploadJson = new(ApiJson.Options)
    {
        TypeInfoResolver = ApiJson.Options.TypeInfoResolver!.WithAddedModifier(info =>
        {
            if (info.Type != typeof(CreateDatasetRequest)) return;
            foreach (var content in info.Properties.Where(p => p.Name == "content")) content.CustomConverter = new UnescapingStringConverter();
        }),
    };

    /// <summary>The body, read once: spooled to a temporary file and parsed from there (<see cref="SpooledBody"/>), so an
    /// upload's one large allocation is its content string; null for an empty body. Read here rather than bound by the
    /// framework, whose streaming reader re-buffers a long string as it arrives.</summary>
    private static async Task<CreateDatasetRequest?> ReadUploadAsync(HttpRequest http, CancellationToken ct)
    {
        if (!http.HasJsonContentType())
            throw new BadHttpRequestException("The body must be application/json.", StatusCodes.Status415UnsupportedMediaType);
        using var body = await SpooledBody.ReadAsync(http.Body, ct);
        if (body.Length == 0) return null;
        try
        {
            return JsonSerializer.Deserialize<CreateDatasetRequest>(body.Bytes, UploadJson)
                ?? throw new BadHttpRequestException("The body must be a JSON object.");
        }
        catch (JsonException json)
        {
            throw new BadHttpRequestException("The request body is not valid JSON for this endpoint.", json);
        }
    }

    private static async Task<Results<NoContent, NotFoundProblem, ConflictProblem>> DeleteAsync(
        string name, RnnDbContext db, CancellationToken ct)
    {
        if (DatasetCatalog.IsBuiltIn(name)) return Problems.Conflict($"'{name}' is a built-in dataset and cannot be deleted.");
        // The check and the delete hold off enqueues, so a POST /train for this dataset either queues first (and this
        // is 409) or finds the dataset gone.
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await JobStore.LockEnqueuesAsync(db, ct);
        if (!await db.Datasets.AnyAsync(d => d.Name == name, ct)) return Problems.NotFound($"No dataset named '{name}'.");
        if (await JobStore.Unfinished(db).AnyAsync(j => j.Dataset == name, ct))
            return Problems.Conflict($"A queued, running or paused job trains on '{name}'; cancel it or wait for it to finish.");
        if (await db.Sweeps.AnyAsync(s => s.Dataset == name && (s.Status == SweepStatus.Running || s.Status == SweepStatus.Paused), ct))
            return Problems.Conflict($"A running or paused sweep searches on '{name}'; cancel it or wait for it to finish.");
        await db.Datasets.Where(d => d.Name == name).ExecuteDeleteAsync(ct);
        await transaction.CommitAsync(ct);
        return TypedResults.NoContent();
    }
}
