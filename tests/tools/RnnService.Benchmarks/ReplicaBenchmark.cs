// The "replicas" workload (issue 11): 50 tiny jobs queued at once on one PostgreSQL database, drained by one
// replica and then by three. On two cores the point is that claims stay cheap and fair, not that it scales:
// it prints jobs per minute, the mean time of a claim (the SKIP LOCKED statement, from each replica's
// rnnservice_job_claim_duration_seconds histogram) and how many jobs each replica took.
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using RnnService.Api.Tests;

namespace RnnService.Benchmarks;

internal static class ReplicaBenchmark
{
    private const int JobCount = 50;
    private const string TinyJob = """{"task":"sentiment","dataset":"toy-sentiment","hyperparameters":{"epochs":1}}""";

    public static IReadOnlyList<string> Run()
    {
        using var cluster = new PostgresCluster();
        var work = Directory.CreateTempSubdirectory("rnnservice-replicas-bench").FullName;
        var lines = new List<string>();
        try
        {
            foreach (var replicas in new[] { 1, 3 })
            {
                var environment = new Dictionary<string, string>
                {
                    ["Database__Provider"] = "Postgres",
                    ["ConnectionStrings__RnnService"] = cluster.ConnectionString($"bench_replicas_{replicas}"),
                    ["Worker__PollInterval"] = "00:00:00.200",
                };
                var hosts = new List<ServiceHost>();
                try
                {
                    for (int i = 0; i < replicas; i++) hosts.Add(ServiceHost.Start("replicas", environment, work)); // the first migrates
                    lines.Add(Drain(hosts));
                    Console.WriteLine(lines[^1]);
                }
                finally
                {
                    foreach (var host in hosts) host.Dispose();
                }
            }
            return lines;
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    private static string Drain(List<ServiceHost> hosts)
    {
        var ids = Enumerable.Range(0, JobCount).Select(i => hosts[i % hosts.Count].PostTrain(TinyJob)).ToList();
        var jobs = ids.Select(id => hosts[0].WaitForStatus(id, "succeeded", TimeSpan.FromMinutes(10))).ToList();
        var created = jobs.Min(j => j.GetProperty("createdAt").GetDateTime());
        var finished = jobs.Max(j => j.GetProperty("finishedAt").GetDateTime());
        var seconds = (finished - created).TotalSeconds;
        var perReplica = jobs.GroupBy(j => j.GetProperty("worker").GetString()).Select(g => g.Count()).OrderDescending();
        double claimSum = 0, claims = 0;
        foreach (var host in hosts)
        {
            var text = host.Client.GetStringAsync("/metrics").GetAwaiter().GetResult();
            claimSum += Sample(text, "rnnservice_job_claim_duration_seconds_sum");
            claims += Sample(text, "rnnservice_job_claim_duration_seconds_count");
        }
        return string.Create(CultureInfo.InvariantCulture,
            $"replicas {hosts.Count}: {JobCount} tiny jobs in {seconds:F1} s = {JobCount / seconds * 60:F0} jobs/min; " +
            $"claim mean {claimSum / claims * 1000:F2} ms over {claims:F0} claims; jobs per replica {string.Join('/', perReplica)}");
    }

    /// <summary>The value of a metric without labels (or the sum over its label sets) in Prometheus text.</summary>
    private static double Sample(string exposition, string name) =>
        Regex.Matches(exposition, $@"^{Regex.Escape(name)}(\{{[^}}]*\}})? (\S+)", RegexOptions.Multiline)
            .Sum(m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
}
