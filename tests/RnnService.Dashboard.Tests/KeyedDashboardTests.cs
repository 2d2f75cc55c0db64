using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace RnnService.Dashboard.Tests;

/// <summary>Issue 27: with an API key configured every read needs it, so the dashboard sends the key it keeps in the
/// browser with every request: the JSON calls, the job's event stream (fetched, since EventSource cannot send a header),
/// and the weights download (fetched, since a link cannot). Pages still load under the CSP without a console error.</summary>
public sealed class KeyedDashboardTests(KeyedDashboardFixture fixture) : IClassFixture<KeyedDashboardFixture>
{
    private readonly Browser _browser = new(fixture);

    [Fact]
    public async Task WithTheKeyEnteredTheDashboardFollowsAJobLiveAndDownloadsItsWeights()
    {
        var b = _browser;
        b.Resize(1280, 900);
        b.Go("#/jobs");
        b.WaitUntil(() => b.Text("main").Contains("Unauthorized"), "the 401 explained on the page");
        b.ConsoleErrors(); // the refused requests are logged by the browser: expected here

        var keyBox = b.Element("#api-key");
        b.Script("arguments[0].closest('details').open = true", keyBox);
        keyBox.SendKeys(KeyedDashboardFixture.Key + "\t");
        b.WaitUntil(() => (string?)b.Script("return localStorage.getItem('rnnservice.apiKey')") == KeyedDashboardFixture.Key, "the key kept");

        var response = await fixture.Http.PostAsJsonAsync("/train", new
        {
            task = "charlm", dataset = "us-names", name = "keyed",
            hyperparameters = new { hiddenSize = 16, embeddingSize = 8, epochs = 30, earlyStoppingPatience = 0 },
        });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        b.Go($"#/jobs/{id}");
        // 'Job succeeded' is the toast of the stream's end event: the stream came through with the key.
        b.WaitUntil(() => b.Text("#toast") == "Job succeeded", "the end event of the job's stream", seconds: 90);
        Assert.Equal("30", b.Find("#loss-chart").GetAttribute("data-points"));

        b.Go("#/models");
        b.Script("window.savedBlobs = []; const create = URL.createObjectURL; " +
            "URL.createObjectURL = blob => { window.savedBlobs.push(blob.size); return create(blob); };");
        b.ClickLive("#models-table a.button.small:not(.primary)");
        var size = b.WaitFor(() => b.Script("return window.savedBlobs[0] ?? null"), "the weights fetched with the key");
        var model = (await fixture.Http.GetFromJsonAsync<JsonElement>($"/jobs/{id}")).GetProperty("modelId").GetGuid();
        var weights = await fixture.Http.GetByteArrayAsync($"/models/{model}/weights");
        Assert.Equal((long)weights.Length, Convert.ToInt64(size));
        b.AssertNoConsoleErrors();
    }
}
