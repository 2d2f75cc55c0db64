using System.Net;
using System.Text.Json;
using Npgsql;

namespace RnnService.Api.Tests;

/// <summary>Several service processes on one fresh PostgreSQL database.</summary>
public sealed class ReplicaSet : IDisposable
{
    private ReplicaSet(PostgresCluster cluster, string database, List<ServiceProcess> replicas)
    {
        Cluster = cluster;
        Database = database;
        Replicas = replicas;
    }

    public PostgresCluster Cluster { get; }
    public string Database { get; }
    public IReadOnlyList<ServiceProcess> Replicas { get; }
    public ServiceProcess this[int index] => Replicas[index];

    public static async Task<ReplicaSet> StartAsync(int count, PostgresCluster? cluster = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        var database = $"rnn_replicas_{Guid.NewGuid():N}";
        // On the shared cluster the database starts as a copy of the migrated template and the replicas start
        // together; on a cluster of its own the first replica creates and migrates it, and the others follow.
        var fromTemplate = cluster is null;
        cluster ??= PostgresCluster.Shared;
        var connectionString = fromTemplate ? TestDatabase.Create(database) : cluster.ConnectionString(database);
        var replicas = new List<ServiceProcess> { ServiceProcess.Start(connectionString, settings) };
        var set = new ReplicaSet(cluster, database, replicas);
        try
        {
            if (!fromTemplate) await replicas[0].WaitHealthyAsync(TimeSpan.FromSeconds(90));
            for (var i = 1; i < count; i++) replicas.Add(ServiceProcess.Start(connectionString, settings));
            foreach (var replica in replicas) await replica.WaitHealthyAsync(TimeSpan.FromSeconds(90));
            return set;
        }
        catch
        {
            set.Dispose();
            throw;
        }
    }

    /// <summary>The replica whose name a job's worker field carries.</summary>
    public ServiceProcess ByName(string name) =>
        Replicas.SingleOrDefault(r => r.Name == name) ?? throw new InvalidOperationException($"No replica named {name}.");

    /// <summary>Polls <paramref name="path"/> (a job or a sweep) until its status is succeeded, failed or cancelled; fails with
    /// every replica's log when it has not ended within <paramref name="timeout"/>.</summary>
    public async Task<JsonElement> WaitForEndAsync(HttpClient client, string path, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var response = await client.GetAsync(path);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var body = await response.JsonAsync();
                if (body.Status() is "succeeded" or "failed" or "cancelled") return body;
                if (DateTime.UtcNow > deadline) Assert.Fail($"{path} did not end in {timeout}: {body}\n{Logs}");
            }
            else if (DateTime.UtcNow > deadline) Assert.Fail($"GET {path} kept answering {(int)response.StatusCode}.\n{Logs}");
            await Task.Delay(100);
        }
    }

    /// <summary><see cref="WaitForEndAsync"/> for a job, within 180 s.</summary>
    public Task<JsonElement> WaitForJobEndAsync(HttpClient client, Guid id) => WaitForEndAsync(client, $"/jobs/{id}", TimeSpan.FromSeconds(180));

    public string Logs => string.Join("\n", Replicas.Select((r, i) => $"--- replica {i} ({r.Name}):\n{r.Output}"));

    public void Dispose()
    {
        foreach (var replica in Replicas) replica.Dispose();
        NpgsqlConnection.ClearAllPools();
    }
}
