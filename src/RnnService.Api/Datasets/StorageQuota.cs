using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using RnnService.Api.Data;

namespace RnnService.Api.Datasets;

/// <summary>One of the largest stored things, named as its DELETE (or, for a checkpoint, its job's cancel) takes it.</summary>
public sealed record StoredItem(string Kind, string Reference, long Bytes);

/// <summary>A write that does not fit: what is stored, what the write needs, and <see cref="Detail"/> saying what to delete.</summary>
public sealed record StorageShortfall(long Stored, long Limit, long Needed, IReadOnlyList<StoredItem> Largest, string Detail);

/// <summary>Limits:MaxStoredBytes: what uploaded datasets, trained models' weights and unfinished jobs' checkpoints may take
/// together. An upload or a queued job that would go over it is answered 507, and a job whose model would is failed, each
/// saying what is stored and the largest things to delete.</summary>
public static class StorageQuota
{
    private const long LockKey = 0x526e6e53746f72; // "RnnStor": serialises quota checks with their writes on PostgreSQL

    /// <summary>Inside a transaction: holds off other quota-checked writes until it ends, so two uploads cannot both
    /// fit in the same free space. SQLite's transactions (BEGIN IMMEDIATE) are serialised anyway.</summary>
    public static async Task LockAsync(RnnDbContext db, CancellationToken ct)
    {
        if (db.Database.IsNpgsql()) await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({LockKey})", ct);
    }

    /// <summary>Null when <paramref name="adding"/> more bytes fit; else the 507 saying what <paramref name="what"/> needs.</summary>
    public static async Task<ProblemHttpResult?> CheckAsync(RnnDbContext db, long adding, long limit, string what, CancellationToken ct) =>
        await FindShortfallAsync(db, adding, limit, what, replacedCheckpoint: null, ct) is not { } shortfall ? null
            : TypedResults.Problem(statusCode: StatusCodes.Status507InsufficientStorage, title: "Storage limit reached", detail: shortfall.Detail,
                extensions: new Dictionary<string, object?>
                {
                    ["storedBytes"] = shortfall.Stored, ["limitBytes"] = shortfall.Limit, ["neededBytes"] = shortfall.Needed,
                    ["largest"] = shortfall.Largest,
                });

    /// <summary>Null when <paramref name="adding"/> more bytes fit. <paramref name="replacedCheckpoint"/>: the job whose
    /// checkpoint the same write deletes (a finished job's model replaces it), so it is not counted.</summary>
    public static async Task<StorageShortfall?> FindShortfallAsync(RnnDbContext db, long adding, long limit, string what,
        Guid? replacedCheckpoint, CancellationToken ct)
    {
        var except = replacedCheckpoint ?? Guid.Empty;
        var checkpoints = db.Checkpoints.AsNoTracking().Where(c => c.JobId != except);
        var datasetBytes = await db.Datasets.SumAsync(d => d.Bytes, ct);
        var modelBytes = await db.ModelWeights.SumAsync(w => (long)w.Bytes.Length, ct);
        var checkpointBytes = await checkpoints.SumAsync(c => (long)c.Bytes.Length, ct);
        var stored = datasetBytes + modelBytes + checkpointBytes;
        if (stored + adding <= limit) return null;

        var datasets = await db.Datasets.AsNoTracking().OrderByDescending(d => d.Bytes).Take(3)
            .Select(d => new StoredItem("dataset", d.Name, d.Bytes)).ToListAsync(ct);
        var models = (await db.ModelWeights.AsNoTracking().OrderByDescending(w => w.Bytes.Length).Take(3)
                .Join(db.Models, w => w.ModelId, m => m.Id, (w, m) => new { m.Id, m.Name, m.Version, Bytes = (long)w.Bytes.Length })
                .ToListAsync(ct))
            .Select(m => new StoredItem("model", m.Name is { } name ? $"{name}@{m.Version}" : m.Id.ToString(), m.Bytes));
        var jobs = (await checkpoints.OrderByDescending(c => c.Bytes.Length).Take(3)
                .Select(c => new { c.JobId, Bytes = (long)c.Bytes.Length }).ToListAsync(ct))
            .Select(c => new StoredItem("checkpoint", c.JobId.ToString(), c.Bytes));
        var largest = datasets.Concat(models).Concat(jobs).OrderByDescending(i => i.Bytes).Take(3).ToList();
        var detail = $"{what} needs {adding:N0} bytes; {stored:N0} of {limit:N0} bytes are stored ({datasetBytes:N0} in datasets, " +
            $"{modelBytes:N0} in models, {checkpointBytes:N0} in unfinished jobs' checkpoints; Limits:MaxStoredBytes). Delete datasets " +
            $"(DELETE /datasets/{{name}}) or models (DELETE /models/{{reference}}), or cancel paused jobs (POST /jobs/{{id}}/cancel), to make room" +
            (largest.Count > 0 ? $"; the largest: {string.Join(", ", largest.Select(i => $"{i.Kind} {i.Reference} ({i.Bytes:N0} bytes)"))}." : ".");
        return new StorageShortfall(stored, limit, adding, largest, detail);
    }
}

/// <summary>A job's model does not fit in Limits:MaxStoredBytes: nothing of it was stored; the job fails with this message.</summary>
public sealed class StorageLimitException(StorageShortfall shortfall) : Exception(shortfall.Detail);
