using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using OpenQA.Selenium;

namespace RnnService.Dashboard.Tests;

/// <summary>Issue 9 in the dashboard: named models with versions and aliases (an alias moved from the page), pause and
/// resume, the dry-run estimate in the training form, and fine-tuning from a model page. Every check of what changed
/// reads the API afterwards.</summary>
[Collection(DashboardCollection.Name)]
public sealed class RegistryDashboardTests(DashboardFixture fixture)
{
    private readonly Browser _browser = new(fixture);

    private static object TinyToy(string name) => new
    {
        task = "sentiment", dataset = "toy-sentiment", name,
        hyperparameters = new { epochs = 2, hiddenSize = 8, earlyStoppingPatience = 2 },
    };

    private async Task<JsonElement> GetAsync(string path) => await fixture.Http.GetFromJsonAsync<JsonElement>(path);

    [Fact]
    public async Task ANamedModelShowsItsVersionsAndAliasesAndAnAliasMovesFromItsPage()
    {
        var b = _browser;
        b.Resize(1280, 900);
        var (_, first) = await fixture.TrainAsync(TinyToy("reg toy"));
        var (_, second) = await fixture.TrainAsync(TinyToy("reg toy"));
        (await fixture.Http.PutAsJsonAsync("/models/reg%20toy/aliases/production", new { version = 1 })).EnsureSuccessStatusCode();

        // The list: each version with its aliases, and the name grouped with its versions.
        b.Go("#/models");
        Assert.Equal("reg toy v1", b.Text($"#models-table tr[data-id='{first}'] td[data-label='Model']"));
        Assert.Equal("production", b.Text($"#models-table tr[data-id='{first}'] td.aliases"));
        Assert.Equal("—", b.Text($"#models-table tr[data-id='{second}'] td.aliases"));
        var group = b.Find("#named-models li[data-name='reg toy']");
        Assert.Equal(["v2", "v1 production"], group.FindElements(By.CssSelector("span[data-version]")).Select(s => s.Text.Replace('\n', ' ')));
        b.Screenshot("registry-models");

        // Version 2's page: its name, version, no alias yet; the versions table and the history say where production is.
        b.Go($"#/models/{second}");
        Assert.Equal("reg toy v2", b.Text("main h1"));
        Assert.Equal("2", b.Text("#model-info [data-key='version'] dd"));
        Assert.Equal("—", b.Text("#model-aliases"));
        b.WaitUntil(() => b.All("#versions-table tbody tr").Count == 2, "both versions in the table");
        Assert.Equal("production", b.Text("#versions-table tr[data-version='1'] td[data-label='Aliases']"));
        Assert.Contains("production → v1", b.Text("#registry-history"));

        // Point production at this version from the form (alias and version are filled in already).
        Assert.Equal("production", b.Find("#f-alias").GetAttribute("value"));
        Assert.Equal("2", b.Find("#f-version").GetAttribute("value"));
        b.Click("#alias-form button[type=submit]");
        b.WaitUntil(() => b.Text("#model-aliases") == "production", "production on this version");
        var resolved = await GetAsync("/models/reg%20toy");
        Assert.Equal((second, 2), (resolved.GetProperty("id").GetGuid(), resolved.GetProperty("version").GetInt32()));
        var changes = (await GetAsync("/models/reg%20toy/history")).GetProperty("aliasChanges").EnumerateArray().ToList();
        Assert.Equal([1, 2], changes.Select(c => c.GetProperty("version").GetInt32()));
        Assert.EndsWith("production → v2", b.Find("#registry-history li").Text);   // newest first
        Assert.Equal("production", b.Text("#versions-table tr[data-version='2'] td[data-label='Aliases']"));

        // The service refuses to delete an aliased version: its 409 is shown on the page, and nothing is deleted.
        b.Click("button[aria-label='Delete this model']");
        b.Click("button[aria-label='Yes, delete this model']");
        var refusal = b.WaitFor(() => b.All("#model-alert .alert").FirstOrDefault(), "the refusal on the page");
        Assert.Contains("reg toy@production point at this model", refusal.Text);
        Assert.Equal(2, (await GetAsync("/models?name=reg%20toy")).GetProperty("total").GetInt32());

        // A bad alias name gets the service's message next to the field.
        b.Fill("#f-alias", "9lives");
        b.Click("#alias-form button[type=submit]");
        b.WaitUntil(() => b.Find("#err-f-alias").Text.Contains("a letter, then letters, digits"), "the alias error");
        b.FullPageScreenshot("registry-model-page");

        // Removing the alias from the page.
        b.Click("button[aria-label='Remove the alias production']");
        b.WaitUntil(() => b.Text("#alias-list") == "No aliases yet.", "the alias gone from the list");
        Assert.Equal(0, (await GetAsync("/models/reg%20toy/history")).GetProperty("aliases").GetArrayLength());
        Assert.Equal("—", b.Text("#model-aliases"));
        Assert.Contains("production removed", b.Text("#registry-history"));

        // The registry panel fits a phone too (the versions table becomes cards).
        b.Resize(390, 844);
        try
        {
            b.Go($"#/models/{Uri.EscapeDataString("reg toy@2")}");
            Assert.Equal("reg toy v2", b.Text("main h1"));
            b.WaitUntil(() => b.All("#versions-table tbody tr").Count == 2, "the versions at phone width");
            b.AssertNoSidewaysScroll("a named model's page");
            b.Screenshot("phone-registry");
        }
        finally
        {
            b.Resize(1280, 900);
        }
        b.AssertNoConsoleErrors("the server responded with a status of 409", "the server responded with a status of 400");
    }

    [Fact]
    public async Task PausingAndResumingARunningJobFromItsPageShowsEachStatusLive()
    {
        var b = _browser;
        b.Resize(1280, 900);
        // Short epochs (a pause lands at the end of one) and a patience of all of them, so only the buttons stop it.
        var response = await fixture.Http.PostAsJsonAsync("/train", new
        {
            task = "charlm", dataset = "us-names", name = "pause me",
            hyperparameters = new { hiddenSize = 16, embeddingSize = 8, epochs = 10000, earlyStoppingPatience = 10000 },
        });
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        try
        {
            b.Go($"#/jobs/{id}");
            b.WaitUntil(() => b.Text(".job-header .badge") == "running" && b.All(".job-header button[data-action='pause']").Count == 1,
                "the running job's Pause button");
            b.ClickLive(".job-header button[data-action='pause']");
            b.WaitUntil(() => b.Text(".job-header .badge") == "paused", "the job to show as paused");
            Assert.Equal("Resume job", b.Text(".job-header button[data-action='resume']"));
            Assert.Empty(b.All(".job-header button[data-action='pause']"));
            var paused = await GetAsync($"/jobs/{id}");
            Assert.Equal("paused", paused.GetProperty("status").GetString());
            var pausedAt = paused.GetProperty("progress").GetProperty("epoch").GetInt32();
            Assert.Contains($"epoch {pausedAt} of 10000", b.Text(".job-header .progress-line"));
            b.Screenshot("job-paused");

            b.ClickLive(".job-header button[data-action='resume']");
            b.WaitUntil(() => b.Text(".job-header .badge") == "running"
                && int.Parse(b.Find(".job-header .progress-line span").Text.Split(' ')[1]) > pausedAt,
                "the job to run on past the epoch it paused at");
            var resumed = await GetAsync($"/jobs/{id}");
            Assert.Equal("running", resumed.GetProperty("status").GetString());
            Assert.True(resumed.GetProperty("progress").GetProperty("epoch").GetInt32() > pausedAt, resumed.ToString());
            Assert.Equal(1, b.All(".job-header button[data-action='pause']").Count);

            // The list offers the same buttons, named after the job.
            b.Go("#/jobs");
            var pause = $"#jobs-table tr[data-id='{id}'] button[data-action='pause']";
            b.WaitUntil(() => b.Find(pause).GetAttribute("aria-label") == "Pause pause me", "the list's Pause button, named after the job");
            b.ClickLive(pause);
            b.WaitUntil(() => b.All($"#jobs-table tr[data-id='{id}'][data-status='paused'] button[data-action='resume']").Count == 1,
                "the paused row's Resume button");
            Assert.Equal("paused", (await GetAsync($"/jobs/{id}")).GetProperty("status").GetString());
        }
        finally
        {
            await fixture.Http.PostAsJsonAsync($"/jobs/{id}/cancel", new { }); // never leave it running for the next test
        }
        b.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task TheEstimateButtonShowsTheServicesDryRunNumbersAndQueuesNothing()
    {
        var b = _browser;
        b.Resize(1280, 900);
        var jobsBefore = (await GetAsync("/jobs")).GetProperty("total").GetInt32();

        b.Go("#/train");
        b.ChooseTaskAndDataset("charlm", "us-names");
        b.Choose("#f-architecture", "gru");
        b.Fill("#f-hyperparameters-hiddenSize", "24");
        b.Fill("#f-hyperparameters-embeddingSize", "8");
        b.Fill("#f-hyperparameters-epochs", "3");
        b.Click("#estimate-button");
        var parameters = b.WaitFor(() => b.All("#estimate [data-key='parameterCount'] dd").FirstOrDefault(), "the estimate");

        var expected = await (await fixture.Http.PostAsJsonAsync("/train/estimate", new
        {
            task = "charlm", dataset = "us-names", architecture = "gru", hyperparameters = new { hiddenSize = 24, embeddingSize = 8, epochs = 3 },
        })).Content.ReadFromJsonAsync<JsonElement>();
        var en = CultureInfo.InvariantCulture;   // groups thousands with ',' like the page's en-US (the tests run globalization-invariant)
        Assert.Equal(expected.GetProperty("parameterCount").GetInt64().ToString("N0", en), parameters.Text);
        Assert.Contains($"{expected.GetProperty("estimatedMemoryBytes").GetInt64().ToString("N0", en)} bytes",
            b.Text("#estimate [data-key='estimatedMemoryBytes']"));
        // Seconds are timed on each request, so they differ between the two; the page shows its own, and they are real.
        var perEpoch = b.Text("#estimate [data-key='estimatedSecondsPerEpoch'] dd");
        Assert.Matches(@"^\d+(\.\d+)? s$", perEpoch);
        Assert.True(double.Parse(perEpoch[..^2], CultureInfo.InvariantCulture) > 0, perEpoch);
        Assert.Contains("3 epochs", b.Text("#estimate [data-key='estimatedSeconds']"));
        var hp = expected.GetProperty("hyperparameters");
        foreach (var key in new[] { "hiddenSize", "embeddingSize", "epochs", "batchSize", "learningRate", "validationFraction", "earlyStoppingPatience", "seed" })
            Assert.Equal(hp.GetProperty(key).ToString(), b.Text($"#estimate-hyperparameters [data-key='{key}'] dd"));
        Assert.Equal("64", b.Text("#estimate-hyperparameters [data-key='batchSize'] dd"));   // fitted by the service, not typed
        b.FullPageScreenshot("train-estimate");

        Assert.Contains("#/train", b.Driver.Url);
        Assert.Equal(jobsBefore, (await GetAsync("/jobs")).GetProperty("total").GetInt32());
        // An estimate describes the form as it was: changing a field clears it.
        b.Fill("#f-hyperparameters-hiddenSize", "32");
        b.WaitUntil(() => b.All("#estimate [data-key]").Count == 0, "the stale estimate to go");
        b.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task FineTuningFromAModelPageStartsAJobWhoseModelRecordsItsParent()
    {
        var b = _browser;
        b.Resize(1280, 900);
        var (_, baseId) = await fixture.TrainAsync(TinyToy("reg tune"));

        b.Go($"#/models/{baseId}");
        b.Click("#fine-tune-link");
        b.WaitUntil(() => b.Driver.Url.Contains("#/train?"), "the training form");
        b.WaitForPage("the training form");
        Assert.Equal("reg tune@1", b.Find("#f-initFrom").GetAttribute("value"));
        Assert.Equal("reg tune", b.Find("#f-name").GetAttribute("value"));
        Assert.Equal("sentiment", b.Find("#f-task").GetAttribute("value"));
        Assert.Equal("lstm", b.Find("#f-architecture").GetAttribute("value"));
        Assert.Equal("toy-sentiment", b.Find("#f-dataset").GetAttribute("value"));
        Assert.Contains("Fine-tuning reg tune@1", b.Text("#fine-tune-note"));
        b.Fill("#f-hyperparameters-epochs", "2");
        b.Fill("#f-hyperparameters-earlyStoppingPatience", "2");
        b.Click("#train-form button[type=submit]");

        b.WaitUntil(() => b.Driver.Url.Contains("#/jobs/"), "the job page");
        var jobId = Guid.Parse(b.Driver.Url.Split("#/jobs/")[1]);
        b.WaitUntil(() => b.All("#parent-link").FirstOrDefault()?.Text == "reg tune v1", "the job's base model named");
        b.WaitUntil(() => b.Text(".job-header .badge") == "succeeded", "the fine-tuning job to succeed", seconds: 60);

        var job = await GetAsync($"/jobs/{jobId}");
        Assert.Equal(baseId, job.GetProperty("initFromModelId").GetGuid());
        var model = await GetAsync($"/models/{job.GetProperty("modelId").GetGuid()}");
        Assert.Equal(baseId, model.GetProperty("parentModelId").GetGuid());
        Assert.Equal(baseId, model.GetProperty("reproducibility").GetProperty("initFromModelId").GetGuid());
        Assert.Equal(("reg tune", 2), (model.GetProperty("name").GetString(), model.GetProperty("version").GetInt32()));
        Assert.Equal(8, model.GetProperty("config").GetProperty("hiddenSize").GetInt32());   // the base's size, though the form left it blank

        // The new version's page names its parent and shows the record.
        b.Click("#model-link");
        b.WaitForPage("the fine-tuned model");
        Assert.Equal("reg tune v2", b.Text("main h1"));
        b.WaitUntil(() => b.Text("#model-info [data-key='fine-tuned from'] dd") == "reg tune v1", "the parent's name");
        Assert.Equal(model.GetProperty("reproducibility").GetProperty("datasetSha256").GetString(),
            b.Text("#reproducibility [data-key='dataset SHA-256'] dd"));
        b.WaitUntil(() => b.Text("#versions-table tr[data-version='2'] td[data-label='Fine-tuned from']") == "v1", "v1 as v2's parent in the versions");
        b.FullPageScreenshot("registry-fine-tuned");
        b.AssertNoConsoleErrors();
    }
}
