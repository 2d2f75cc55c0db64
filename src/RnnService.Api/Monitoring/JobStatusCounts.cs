using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RnnService.Api.Data;
using RnnService.Api.Jobs;

namespace RnnService.Api.Monitoring;

/// <summary>Jobs per status, read from the database (the queue's truth, shared by every instance) for the gauges.
/// Kept for Metrics:JobCountsCacheSeconds, so frequent or parallel scrapes cost one small GROUP BY.</summary>
public sealed class JobStatusCounts(IDbContextFactory<RnnDbContext> dbFactory, IOptions<MetricsOptions> options, ILogger<JobStatusCounts> logger)
{
    private readonly Lock _lock = new();
    private IReadOnlyDictionary<JobStatus, long> _counts = new Dictionary<JobStatus, long>();
    private long _readAt = long.MinValue;

    /// <summary>Every status is present (0 when none), so a series never vanishes from a scrape.</summary>
    public IReadOnlyDictionary<JobStatus, long> Read()
    {
        lock (_lock)
        {
            var maxAge = TimeSpan.FromSeconds(Math.Max(0, options.Value.JobCountsCacheSeconds));
            if (_readAt != long.MinValue && System.Diagnostics.Stopwatch.GetElapsedTime(_readAt) < maxAge) return _counts;
            try
            {
                using var db = dbFactory.CreateDbContext();
                var rows = db.TrainingJobs.GroupBy(j => j.Status).Select(g => new { Status = g.Key, Count = g.LongCount() }).ToList();
                _counts = Enum.GetValues<JobStatus>().ToDictionary(s => s, s => rows.FirstOrDefault(r => r.Status == s)?.Count ?? 0);
                _readAt = System.Diagnostics.Stopwatch.GetTimestamp();
            }
            catch (ObjectDisposedException)
            {
                // The host is shutting down and the meter provider collects once more: nothing to count with.
            }
            catch (Exception ex)
            {
                // A scrape must not fail because the database is busy: the previous counts stand.
                logger.LogWarning(ex, "Could not count jobs for the metrics.");
            }
            return _counts;
        }
    }
}
