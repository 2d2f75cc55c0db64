using System.Net;
using System.Text.Json;

namespace RnnService.Api.Tests;

/// <summary>Service processes on one PostgreSQL database when one of them is killed or the database stops: no job is
/// lost or trained twice, and every answer is a result or a 503.</summary>
public sealed class ReplicaFailureTests
{
    [Fact]
    public async Task KillingTheReplicaThatTrainsAJobMakesAnotherResumeItFromItsCheckpoint()
    {
        using var set = await ReplicaSet.StartAsync(3);
        const int epochs = 30;
        var id = (await set[0].Client.TrainAsync(new
        {
            task = "charlm", dataset = "us-names", hyperparameters = new { hiddenSize = 16, embeddingSize = 8, epochs, earlyStoppingPatience = epochs, seed = 5 },
        })).Id();
        var running = await set[0].Client.WaitUntilAsync(id, j => j.Status() == "running" && j.Epoch() >= 3, seconds: 120);
        var victim = set.ByName(running.GetProperty("worker").GetString()!);
        victim.Kill();
        var survivor = set.Replicas.First(r => r != victim);

        var job = await set.WaitForJobEndAsync(survivor.Client, id);

        Assert.True(job.Status() == "succeeded", $"{job}\n{set.Logs}");
        Assert.NotEqual(victim.Name, job.GetProperty("worker").GetString());
        Assert.Equal(1, job.GetProperty("rescues").GetInt32());
        Assert.InRange(job.GetProperty("resumedFromEpoch").GetInt32(), 3, epochs - 1);
        var metrics = await (await survivor.Client.GetAsync($"/jobs/{id}/metrics")).OkJsonAsync();
        Assert.Equal(Enumerable.Range(1, epochs), metrics.EnumerateArray().Select(m => m.GetProperty("epoch").GetInt32()));
        Assert.Equal(1, (await (await survivor.Client.GetAsync("/models")).OkJsonAsync()).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task StoppingPostgresForTenSecondsGives503sNotCrashesAndEverythingCompletesAfterwards()
    {
        // Its own server: stopping the shared one would break the tests running beside this one.
        using var cluster = new PostgresCluster();
        using var set = await ReplicaSet.StartAsync(2, cluster);
        var modelId = (await set.WaitForJobEndAsync(set[0].Client, (await set[0].Client.TrainAsync(Jobs.Sentiment(epochs: 5))).Id())).Id("modelId");
        // Long enough (about 0.2 s an epoch) that the first job is still running when the poll below looks: with 12 epochs
        // it once ended before a slow poll saw it running.
        const int jobEpochs = 40;
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
            ids.Add((await set[i % 2].Client.TrainAsync(new
            {
                task = "charlm", dataset = "us-names", hyperparameters = new { hiddenSize = 16, embeddingSize = 8, epochs = jobEpochs, earlyStoppingPatience = jobEpochs, seed = i },
            })).Id());
        await set[0].Client.WaitUntilAsync(ids[0], j => j.Status() == "running" && j.Epoch() >= 1, seconds: 120);

        cluster.Stop();
        var answers = new List<(string Request, HttpStatusCode Status, string Body)>();
        var outageEnds = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        for (var round = 0; DateTime.UtcNow < outageEnds && round < 200; round++)
        {
            var client = set[round % 2].Client;
            foreach (var (request, send) in new (string, Func<Task<HttpResponseMessage>>)[]
            {
                ("GET /jobs/{id}", () => client.GetAsync($"/jobs/{ids[0]}")),
                ("POST /predict", () => client.PostJsonAsync("/predict", new { modelId, texts = new[] { "good" } })),
                ("POST /train", () => client.PostJsonAsync("/train", Jobs.Sentiment(epochs: 1))),
                ("GET /health", () => client.GetAsync("/health")),
            })
            {
                using var response = await send();
                answers.Add((request, response.StatusCode, await response.Content.ReadAsStringAsync()));
            }
            await Task.Delay(200);
        }
        cluster.Start();

        Assert.All(set.Replicas, r => Assert.False(r.HasExited, r.Output));
        Assert.DoesNotContain(answers, a => (int)a.Status >= 500 && a.Status != HttpStatusCode.ServiceUnavailable);
        var unavailable = answers.Where(a => a.Status == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.Contains(unavailable, a => a.Request == "GET /health");
        Assert.Contains(unavailable, a => a.Request == "POST /train");
        Assert.All(unavailable, a => Assert.Equal(503, JsonDocument.Parse(a.Body).RootElement.GetProperty("status").GetInt32()));

        foreach (var id in ids)
        {
            var job = await set.WaitForJobEndAsync(set[1].Client, id);
            Assert.True(job.Status() == "succeeded", $"{job}\n{set.Logs}");
            var metrics = await (await set[0].Client.GetAsync($"/jobs/{id}/metrics")).OkJsonAsync();
            Assert.Equal(Enumerable.Range(1, jobEpochs), metrics.EnumerateArray().Select(m => m.GetProperty("epoch").GetInt32()));
        }
        foreach (var replica in set.Replicas) (await replica.Client.GetAsync("/health")).EnsureSuccessStatusCode();
        await (await set[1].Client.PostJsonAsync("/predict", new { modelId, texts = new[] { "good" } })).OkJsonAsync();
    }
}
