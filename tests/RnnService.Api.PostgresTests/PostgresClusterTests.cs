using System.Diagnostics;
using Npgsql;

namespace RnnService.Api.Tests;

/// <summary>The throw-away server must not outlive the test run: leftover clusters (about 3 GB each) once filled the disk.</summary>
public sealed class PostgresClusterTests
{
    [Fact]
    public async Task AClusterIsStoppedAndItsFolderRemovedOnceTheProcessItServesHasEnded()
    {
        using var owner = Process.Start(new ProcessStartInfo("sleep", "120")) ?? throw new InvalidOperationException("sleep did not start");
        var cluster = new PostgresCluster(owner.Id);
        await using (var connection = new NpgsqlConnection(cluster.ConnectionString("postgres")))
        {
            await connection.OpenAsync();
            Assert.Equal(1, (int)(await new NpgsqlCommand("SELECT 1", connection).ExecuteScalarAsync())!);
        }
        Assert.True(Directory.Exists(Path.Combine(cluster.Folder, "data")));

        owner.Kill();
        await Poll.UntilAsync(() => !Directory.Exists(cluster.Folder), TimeSpan.FromSeconds(60), $"{cluster.Folder} to be removed");
        NpgsqlConnection.ClearAllPools();
        await using var refused = new NpgsqlConnection(cluster.ConnectionString("postgres"));
        await Assert.ThrowsAsync<NpgsqlException>(() => refused.OpenAsync());
    }
}
