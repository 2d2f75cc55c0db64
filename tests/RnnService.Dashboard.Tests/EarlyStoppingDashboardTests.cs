using System.Net.Http.Json;
using System.Text.Json;

namespace RnnService.Dashboard.Tests;

/// <summary>A job that stopped early says so on its page and in the jobs list, with the epoch whose weights its model keeps.</summary>
[Collection(DashboardCollection.Name)]
public sealed class EarlyStoppingDashboardTests(DashboardFixture fixture)
{
    [Fact]
    public async Task AJobStoppedEarlySaysWhereItStoppedAndWhichEpochItsModelKeepsOnItsPageAndInTheList()
    {
        var (jobId, _) = await fixture.TrainAsync(new
        {
            task = "sentiment", dataset = "toy-sentiment",
            hyperparameters = new { epochs = 60, hiddenSize = 16, learningRate = 0.05, earlyStoppingPatience = 1 },
        });
        var job = await fixture.Http.GetFromJsonAsync<JsonElement>($"/jobs/{jobId}");
        int stoppedAt = job.GetProperty("progress").GetProperty("epoch").GetInt32(), best = job.GetProperty("bestEpoch").GetInt32();
        Assert.True(stoppedAt < 60, $"stopped at {stoppedAt}");

        var b = new Browser(fixture);
        b.Go($"#/jobs/{jobId}");

        b.WaitUntil(() => b.Text("#job-epochs").StartsWith("stopped early"), "the early stop on the job page");
        Assert.Equal($"stopped early at epoch {stoppedAt} of 60, best at {best} (the model keeps its weights)", b.Text("#job-epochs"));

        b.Go("#/jobs");
        var progress = $"#jobs-table tr[data-id='{jobId}'] td[data-label='Progress']";
        b.WaitUntil(() => b.Text(progress).Length > 0, "the job's row");
        Assert.Equal($"{stoppedAt}/60, stopped early (best {best})", b.Text(progress));
        b.AssertNoConsoleErrors();
    }
}
