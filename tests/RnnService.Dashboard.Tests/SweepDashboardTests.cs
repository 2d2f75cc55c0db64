using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OpenQA.Selenium;

namespace RnnService.Dashboard.Tests;

/// <summary>The sweeps pages (issue 21): the list, a sweep's page live over its event stream, the new-sweep form and the
/// training form's "Find settings for me". Sweeps are tiny (toy-sentiment, width 8) so each takes seconds.</summary>
[Collection(DashboardCollection.Name)]
public sealed class SweepDashboardTests(DashboardFixture fixture)
{
    private readonly Browser _browser = new(fixture);

    private static readonly object TinyBase = new { embeddingSize = 8, hiddenSize = 8, pretrainedEmbeddings = "none", batchSize = 8 };

    [Fact]
    public async Task ASweepPageFollowsTheSweepLiveAndPlotsEveryTrialOnOneAxisPerSearchedSettingPlusTheObjective()
    {
        var b = _browser;
        // The one worker is busy, so the sweep's first trial waits in the queue and the pause finds the sweep barely begun:
        // toy trials alone started seven of nine before the pause on an idle machine.
        var blocker = (await (await fixture.Http.PostAsJsonAsync("/train", new
        {
            task = "charlm", dataset = "hamlet", name = "blocker", hyperparameters = new { epochs = 5000, hiddenSize = 32 },
        })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        for (int i = 0; i < 300 && (await fixture.Http.GetFromJsonAsync<JsonElement>($"/jobs/{blocker}")).GetProperty("status").GetString() != "running"; i++)
            await Task.Delay(100);
        var response = await fixture.Http.PostAsJsonAsync("/sweeps", new
        {
            task = "sentiment", dataset = "toy-sentiment", name = "ui-sweep", seed = 5, hyperparameters = TinyBase,
            space = new Dictionary<string, object>
            {
                ["learningRate"] = new { min = 0.001, max = 0.05, log = true },
                ["dropout"] = new[] { 0, 0.2 },
                ["architecture"] = new[] { "lstm", "gru" },
            },
            minEpochs = 1, maxEpochs = 9, eta = 3, budget = new { maxTrials = 9, maxConcurrent = 1, maxSeconds = 600 },
        });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        // Paused at once, so the page opens on a sweep that has barely begun and then watches it run to the end.
        Assert.Equal(HttpStatusCode.OK, (await fixture.Http.PostAsync($"/sweeps/{id}/pause", JsonContent.Create(new { }))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await fixture.Http.PostAsJsonAsync($"/jobs/{blocker}/cancel", new { })).StatusCode);
        try
        {
            b.Go($"#/sweeps/{id}");
            b.WaitUntil(() => b.Text("#sweep-status") == "paused", "the sweep shown paused");
            // A toy trial's first rung takes milliseconds, so a few may have started before the pause arrived (three seen
            // under CI); what matters is that most of the nine are still to come when the page opens.
            var rowsWhilePaused = b.All("#trials-table tbody tr").Count;
            Assert.InRange(rowsWhilePaused, 1, 5);

            b.Click("button[data-action='resume']");
            // The page is never reloaded: its rows grow from the paused few to all nine over its stream (checked below).
            b.WaitUntil(() => b.All("#sweep-status .status-succeeded").Count == 1 && b.All("#best-model-link").Count == 1,
                "the sweep to succeed on the page", seconds: 120);

            var sweep = await fixture.Http.GetFromJsonAsync<JsonElement>($"/sweeps/{id}");
            var trials = sweep.GetProperty("trials").EnumerateArray().ToList();
            var best = sweep.GetProperty("best").GetProperty("index").GetInt32();
            b.WaitUntil(() => b.All("#trials-table tbody tr").Count == 9 && b.All("#curves-chart g.series").Count == 9, "nine trials and their curves");

            // One axis per searched setting, in the space's order, then the objective; log for a log range, categories for lists.
            var axes = b.All("#parallel-plot g.axis").Select(a => (a.GetAttribute("data-key"), a.GetAttribute("data-kind"))).ToList();
            Assert.Equal([("learningRate", "log"), ("dropout", "category"), ("architecture", "category"), ("objective", "linear")], axes);
            Assert.Equal(trials.Count(t => t.GetProperty("metric").ValueKind == JsonValueKind.Number), b.All("#parallel-plot path.trial").Count);
            var highlighted = b.All("#parallel-plot path.trial.best");
            Assert.Equal(best.ToString(), Assert.Single(highlighted).GetAttribute("data-id"));
            Assert.Equal(best.ToString(), b.Find("#trials-table tr.best").GetAttribute("data-index"));
            Assert.Equal(sweep.GetProperty("maxEpochs").GetInt32(),
                b.All("#curves-chart g.series").Max(s => int.Parse(s.GetAttribute("data-points"))));
            Assert.EndsWith("#/models/ui-sweep%40best", b.Find("#best-model-link").GetAttribute("href"));
            Assert.EndsWith($"#/jobs/{trials[0].GetProperty("jobId").GetGuid()}", b.Find("#trials-table tr[data-index='0'] a").GetAttribute("href"));

            // The table starts best objective first (a minimised loss: ascending), and sorts by any column either way.
            var byMetric = trials.OrderBy(t => t.GetProperty("metric").GetDouble()).Select(t => t.GetProperty("index").GetInt32()).ToList();
            Assert.Equal(byMetric, RowIndices(b));
            b.Click("button[data-sort='space.learningRate']");
            var byRate = trials.OrderBy(t => t.GetProperty("point").GetProperty("learningRate").GetDouble()).Select(t => t.GetProperty("index").GetInt32()).ToList();
            Assert.Equal(byRate, RowIndices(b));
            Assert.Equal("ascending", b.Find("button[data-sort='space.learningRate']").FindElement(By.XPath("..")).GetAttribute("aria-sort"));
            b.Click("button[data-sort='space.learningRate']");
            Assert.Equal(Enumerable.Reverse(byRate), RowIndices(b));
            b.Click("button[data-sort='rung']");
            var byRung = trials.OrderBy(t => t.GetProperty("rung").GetInt32()).ThenBy(t => t.GetProperty("index").GetInt32())
                .Select(t => t.GetProperty("index").GetInt32()).ToList();
            Assert.Equal(byRung, RowIndices(b));

            b.FullPageScreenshot("sweep");
            b.AssertAccessible("the sweep page");
            b.Resize(390, 844);
            try { b.AssertNoSidewaysScroll("the sweep page"); b.Screenshot("phone-sweep"); }
            finally { b.Resize(1280, 900); }

            b.Go("#/sweeps");
            var row = b.Find($"#sweeps-table tr[data-id='{id}']");
            Assert.Contains("ui-sweep", row.Text);
            Assert.Contains("succeeded", row.Text);
            Assert.Contains("9 of 9", row.Text);
            Assert.Contains("ui-sweep@best", row.Text);
            b.Screenshot("sweeps");
            b.AssertAccessible("the sweeps list");
            b.ClickLive($"#sweeps-table tr[data-id='{id}'] a");
            b.WaitUntil(() => b.Driver.Url.EndsWith($"#/sweeps/{id}"), "the sweep page from the list");
            b.AssertNoConsoleErrors();
        }
        finally
        {
            await fixture.Http.PostAsync($"/sweeps/{id}/cancel", JsonContent.Create(new { })); // never leave it running for the next test
        }
    }

    [Fact]
    public async Task TheNewSweepFormEstimatesThenStartsTheSweepItDescribes()
    {
        var b = _browser;
        b.Go("#/sweeps/new");
        b.ChooseTaskAndDataset("sentiment", "toy-sentiment");
        b.Fill("#f-name", "form-sweep");
        b.Fill("#f-space-learningRate", "0.05..0.005 log");
        b.Fill("#f-space-hiddenSize", "8, 12");
        b.Fill("#f-hyperparameters-embeddingSize", "8");
        b.Fill("#f-maxEpochs", "3");
        b.Fill("#f-budget-maxTrials", "3");

        // The service's refusal of the reversed range lands next to its field.
        b.Click("#sweep-estimate-button");
        b.WaitUntil(() => b.Element("#f-space-learningRate").GetAttribute("aria-invalid") == "true", "the range's error");
        Assert.NotEqual("", b.Text("#err-f-space-learningRate"));

        b.Fill("#f-space-learningRate", "0.005..0.05 log");
        b.Click("#sweep-estimate-button");
        b.WaitUntil(() => b.All("#sweep-estimate dd").Count > 0, "the estimate");
        Assert.Equal("3", b.Text("#sweep-estimate [data-key='trials'] dd"));
        Assert.Equal("3 to 1, 1 to 3 epochs", b.Text("#sweep-estimate [data-key='trialsPerRung'] dd"));
        b.AssertAccessible("the new-sweep form with its estimate");

        b.Click("#sweep-form button[type=submit]");
        b.WaitUntil(() => b.Driver.Url.Contains("#/sweeps/") && !b.Driver.Url.EndsWith("/new"), "the sweep page");
        var id = SweepInAddress(b);
        try
        {
            var sweep = await fixture.Http.GetFromJsonAsync<JsonElement>($"/sweeps/{id}");
            Assert.Equal("form-sweep", sweep.GetProperty("name").GetString());
            Assert.Equal(3, sweep.GetProperty("budget").GetProperty("maxTrials").GetInt32());
            Assert.Equal([1, 3], sweep.GetProperty("rungs").EnumerateArray().Select(r => r.GetInt32()));
            var space = sweep.GetProperty("space");
            Assert.Equal(["learningRate", "hiddenSize"], space.EnumerateObject().Select(p => p.Name));
            Assert.Equal(8, sweep.GetProperty("hyperparameters").GetProperty("embeddingSize").GetInt32());
            Assert.True(space.GetProperty("learningRate").GetProperty("log").GetBoolean());
            Assert.Equal([8.0, 12.0], space.GetProperty("hiddenSize").EnumerateArray().Select(v => v.GetDouble()));
            b.WaitUntil(() => b.All("#sweep-status .status-succeeded").Count == 1, "the form's sweep to succeed", seconds: 120);
            Assert.Equal(3, b.All("#parallel-plot g.axis").Count);
            b.AssertNoConsoleErrors("/sweeps/estimate - Failed to load resource: the server responded with a status of 400");
        }
        finally
        {
            await fixture.Http.PostAsync($"/sweeps/{id}/cancel", JsonContent.Create(new { }));
        }
    }

    [Fact]
    public async Task FindSettingsForMeStartsAnAutoSweepFromWhatTheTrainingFormSets()
    {
        var b = _browser;
        b.Go("#/train");
        b.ChooseTaskAndDataset("sentiment", "toy-sentiment");
        b.Fill("#f-hyperparameters-epochs", "2");
        b.Fill("#f-hyperparameters-embeddingSize", "8");
        b.Fill("#f-initFrom", "some-model");
        b.Click("#find-settings");
        b.WaitUntil(() => b.Text("#err-f-initFrom").Contains("fresh weights"), "the refusal to sweep from a base model");

        b.Fill("#f-initFrom", "");
        b.Click("#find-settings");
        b.WaitUntil(() => b.Driver.Url.Contains("#/sweeps/"), "the sweep page");
        var id = SweepInAddress(b);
        try
        {
            var sweep = await fixture.Http.GetFromJsonAsync<JsonElement>($"/sweeps/{id}");
            // The built-in space of the task, over the form's settings as every trial's base.
            Assert.Equal(["learningRate", "weightDecay", "hiddenSize", "pooling"], sweep.GetProperty("space").EnumerateObject().Select(p => p.Name));
            Assert.Equal(8, sweep.GetProperty("hyperparameters").GetProperty("embeddingSize").GetInt32());
            Assert.Equal(2, sweep.GetProperty("maxEpochs").GetInt32());
            Assert.Equal("toy-sentiment-sweep", sweep.GetProperty("name").GetString());
            b.WaitUntil(() => b.All("#parallel-plot g.axis").Count == 5, "four searched settings and the objective on the plot");
            b.Click("button[data-action='cancel']");
            b.WaitUntil(() => b.All("#sweep-status .status-cancelled").Count == 1, "the sweep cancelled from its page");
            b.AssertNoConsoleErrors();
        }
        finally
        {
            await fixture.Http.PostAsync($"/sweeps/{id}/cancel", JsonContent.Create(new { }));
        }
    }

    private static Guid SweepInAddress(Browser b) => Guid.Parse(b.Driver.Url[(b.Driver.Url.LastIndexOf('/') + 1)..]);

    private static List<int> RowIndices(Browser b) =>
        b.All("#trials-table tbody tr").Select(r => int.Parse(r.GetAttribute("data-index"))).ToList();
}
