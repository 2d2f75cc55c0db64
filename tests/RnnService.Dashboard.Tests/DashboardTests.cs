using System.Net.Http.Json;
using System.Text.Json;
using OpenQA.Selenium;

namespace RnnService.Dashboard.Tests;

/// <summary>Drives the dashboard in headless Chromium against the service on a real port. Each test leaves
/// screenshots under TestResults/screenshots in the test output folder and fails on any console error.</summary>
[Collection(DashboardCollection.Name)]
public sealed class DashboardTests(DashboardFixture fixture)
{
    private readonly Browser _browser = new(fixture);

    [Fact]
    public async Task TrainingFromTheFormDrawsTheCurveLiveAndTheModelClassifiesASentence()
    {
        var b = _browser;
        b.Resize(1280, 900);
        b.Go("#/train");
        b.ChooseTaskAndDataset("sentiment", "toy-sentiment");
        b.Choose("#f-architecture", "gru");
        b.Fill("#f-name", "toy gru");
        // Epochs reach the page in batches (Worker:ProgressInterval, 200 ms): enough of them that the run spans several.
        b.Fill("#f-hyperparameters-epochs", "2000");
        b.Fill("#f-hyperparameters-earlyStoppingPatience", "2000");   // every epoch runs, so the curve has 2000 points
        b.Fill("#f-hyperparameters-hiddenSize", "96");
        b.Click("#train-form button[type=submit]");

        // The job page follows the event stream: the loss curve gains points epoch by epoch until the job ends.
        b.WaitUntil(() => b.Driver.Url.Contains("#/jobs/"), "the job page");
        var seen = new SortedSet<int>();
        b.WaitUntil(() =>
        {
            var state = (IReadOnlyCollection<object>)b.Script(
                "return [document.querySelector('#loss-chart')?.dataset.points ?? '-1', document.querySelector('.job-header .badge')?.textContent ?? '']")!;
            var points = int.Parse((string)state.First());
            if (points >= 0) seen.Add(points);
            return (string)state.Last() == "succeeded" && points == 2000;
        }, "the job to succeed with 2000 epochs drawn", seconds: 120);
        Assert.True(seen.Count(p => p is > 0 and < 2000) >= 2, $"The curve did not grow live; point counts seen: {string.Join(',', seen)}");
        Assert.Equal(2, b.All("#loss-chart g.series").Count); // train and validation
        Assert.Equal("2000", b.Find("#metric-chart g.series[data-name='validation']").GetAttribute("data-points"));
        Assert.Contains("hiddenSize", b.Text("dl.hyper"));
        Assert.Contains("96", b.Text("dl.hyper"));
        b.FullPageScreenshot("job-detail");

        b.Click("#model-link");
        b.WaitForPage("the model playground");
        b.Fill("#f-text", "i am very happy\nthis is not good\nzorblax is happy");
        b.Click(".playground button[type=submit]");
        var predictions = b.WaitFor(() => b.All("#classify-results .prediction") is { Count: 3 } p ? p : null, "three predictions");
        Assert.Equal("positive", predictions[0].FindElement(By.CssSelector(".label")).Text.ToLowerInvariant());
        Assert.Equal("negative", predictions[1].FindElement(By.CssSelector(".label")).Text.ToLowerInvariant());
        Assert.Contains("P(positive)", predictions[0].Text);
        var bar = predictions[0].FindElement(By.CssSelector(".bar-fill")).GetAttribute("style");
        Assert.Matches(@"width:\s*(9\d|100)(\.\d)?%", bar);
        Assert.Equal("zorblax", predictions[2].FindElement(By.CssSelector("mark.unknown")).Text);
        b.Screenshot("playground-sentiment");

        b.Go("#/jobs");
        var row = b.WaitFor(() => b.All("#jobs-table tbody tr").FirstOrDefault(r => r.Text.Contains("toy gru")), "the job in the list");
        Assert.Contains("succeeded", row.Text);
        Assert.Contains("val acc", row.Text);
        b.Screenshot("jobs");
        b.AssertNoConsoleErrors();
        await Task.CompletedTask;
    }

    [Fact]
    public async Task ACharModelGeneratesNamesAndShowsNextCharacterProbabilities()
    {
        var b = _browser;
        b.Resize(1280, 900);
        var (_, modelId) = await fixture.TrainAsync(new
        {
            task = "charlm", dataset = "us-names", name = "names",
            hyperparameters = new { hiddenSize = 16, embeddingSize = 8, epochs = 1 },
        });

        b.Go($"#/models/{modelId}");
        b.Fill("#f-prompt", "ma");
        b.Fill("#f-temperature", "0.8");
        b.Fill("#f-topK", "5");
        b.Fill("#f-count", "6");
        b.Fill("#f-seed", "7");
        b.Click(".char-playground button[type=submit]");
        var samples = b.WaitFor(() => b.All("#samples li") is { Count: 6 } s ? s : null, "six generated names");
        Assert.All(samples, s => Assert.StartsWith("ma", s.Text));
        Assert.Contains("seed 7", b.Text(".char-playground"));
        var next = b.WaitFor(() => b.All("#next-chars .bars li") is { Count: > 0 } n ? n : null, "next-character probabilities");
        Assert.Equal(10, next.Count);
        Assert.Contains("After “ma”", b.Text("#next-chars"));
        b.FullPageScreenshot("playground-char");

        // The models page lists it with its size and metrics; the weights link points at the safetensors file.
        b.Go("#/models");
        var row = b.WaitFor(() => b.All($"#models-table tr[data-id='{modelId}']").FirstOrDefault(r => r.Text.Contains("perplexity")), "the model's metrics");
        Assert.Contains("names", row.Text);
        Assert.EndsWith($"/models/{modelId}/weights", row.FindElement(By.LinkText("Weights")).GetAttribute("href"));
        b.Screenshot("models");
        b.AssertNoConsoleErrors();
    }

    [Fact]
    public void UploadingADatasetListsItAndPreviewsItsFirstRows()
    {
        var b = _browser;
        b.Resize(1280, 900);
        b.Go("#/datasets");
        b.Fill("#f-name", "cafe-reviews");
        b.Choose("#f-format", "jsonl");
        var content = string.Join('\n', Enumerable.Range(0, 12).Select(i =>
            JsonSerializer.Serialize(new { text = i % 2 == 0 ? $"lovely coffee number {i}" : $"cold bitter cup {i}", label = 1 - i % 2 })));
        b.Find("#f-content").SendKeys(content);
        b.Click("#upload-form button[type=submit]");

        b.WaitUntil(() => b.All("#datasets-table tr[data-name='cafe-reviews']").Count == 1, "the uploaded dataset in the list");
        Assert.Contains("upload (jsonl)", b.Text("#datasets-table tr[data-name='cafe-reviews']"));
        b.WaitUntil(() => b.Text("#preview").Contains("Preview: cafe-reviews"), "the preview of the upload");
        var rows = b.All("#preview tbody tr");
        Assert.Equal(10, rows.Count);
        Assert.Contains("lovely coffee number 0", rows[0].Text);
        Assert.Contains("1 positive", rows[0].Text);
        Assert.Contains("0 negative", rows[1].Text);
        Assert.Contains("of 12 examples", b.Text("#preview"));

        // A built-in one previews too.
        b.Click("button[aria-label='Preview us-names']");
        b.WaitUntil(() => b.Text("#preview").Contains("Preview: us-names"), "the preview of us-names");
        b.FullPageScreenshot("datasets");
        b.AssertNoConsoleErrors();
    }

    [Fact]
    public void ABadFieldShowsTheServicesMessageNextToIt()
    {
        var b = _browser;
        b.Resize(1280, 900);
        b.Go("#/train");
        b.Fill("#f-hyperparameters-hiddenSize", "0");
        b.Fill("#f-hyperparameters-epochs", "3");
        b.Click("#train-form button[type=submit]");

        var error = b.WaitFor(() => b.Find("#err-f-hyperparameters-hiddenSize") is { Text.Length: > 0 } e ? e : null, "the hiddenSize error");
        Assert.Contains("must be positive", error.Text); // the engine's rule, reported by the service next to the field
        Assert.Equal("true", b.Find("#f-hyperparameters-hiddenSize").GetAttribute("aria-invalid"));
        Assert.Contains("err-f-hyperparameters-hiddenSize", b.Find("#f-hyperparameters-hiddenSize").GetAttribute("aria-describedby"));
        Assert.Equal("", b.Element("#err-f-hyperparameters-epochs").GetAttribute("textContent"));
        Assert.Contains("#/train", b.Driver.Url); // no job was started
        b.Screenshot("train-validation-error");

        // Fixing the field clears the message on the next submit (the service answers 400 for the dataset instead).
        b.Fill("#f-hyperparameters-hiddenSize", "8");
        b.Script("document.querySelector('#f-dataset').replaceChildren(new Option('missing', 'no-such-dataset'))");
        b.Click("#train-form button[type=submit]");
        b.WaitUntil(() => b.Find("#err-f-dataset").Text.Contains("No dataset named"), "the dataset error");
        Assert.Equal("", b.Element("#err-f-hyperparameters-hiddenSize").GetAttribute("textContent"));
        b.AssertNoConsoleErrors("/train - Failed to load resource: the server responded with a status of 400");
    }

    [Fact]
    public void TheWordVectorsChoiceIsSentAndASizeThatDoesNotFitThemIsExplainedNextToTheField()
    {
        var b = _browser;
        b.Resize(1280, 900);
        b.Go("#/train");
        b.ChooseTaskAndDataset("sentiment", "toy-sentiment");
        b.Choose("#f-hyperparameters-pretrainedEmbeddings", "glove-6b-100d");
        b.Fill("#f-hyperparameters-embeddingSize", "32");
        b.Click("#train-form button[type=submit]");

        var error = b.WaitFor(() => b.Find("#err-f-hyperparameters-embeddingSize") is { Text.Length: > 0 } e ? e : null, "the embeddingSize error");
        Assert.Contains("must be 100", error.Text);
        Assert.Contains("#/train", b.Driver.Url);
        b.AssertNoConsoleErrors("/train - Failed to load resource: the server responded with a status of 400");
    }

    [Fact]
    public async Task CompareOverlaysTheValidationCurvesOfTheChosenJobs()
    {
        var b = _browser;
        b.Resize(1280, 900);
        var (first, _) = await fixture.TrainAsync(new { task = "sentiment", dataset = "toy-sentiment", name = "compare lstm", hyperparameters = new { epochs = 8, hiddenSize = 16, earlyStoppingPatience = 8 } });
        var (second, _) = await fixture.TrainAsync(new { task = "sentiment", dataset = "toy-sentiment", architecture = "rnn", name = "compare rnn", hyperparameters = new { epochs = 12, hiddenSize = 16, earlyStoppingPatience = 12 } });

        b.Go("#/compare");
        Assert.Contains("Pick at least two", b.Text("#compare-output"));
        b.Click($"#pick-{first}");
        b.Click($"#pick-{second}");
        b.WaitUntil(() => b.All("#compare-chart g.series").Count == 2, "two validation curves");
        var counts = b.All("#compare-chart g.series").Select(s => s.GetAttribute("data-points")).Order().ToList();
        Assert.Equal(["12", "8"], counts);
        Assert.Contains($"ids={first},{second}", b.Driver.Url);
        Assert.Contains("compare rnn", b.Text("#compare-output table"));
        b.AssertNoSidewaysScroll("the compare page");
        b.FullPageScreenshot("compare");
        b.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task EveryPageFitsAPhoneAndLabelsEveryControl()
    {
        var b = _browser;
        var (jobId, modelId) = await fixture.TrainAsync(new { task = "sentiment", dataset = "toy-sentiment", hyperparameters = new { epochs = 3, hiddenSize = 8 } });
        b.Resize(390, 844);
        try
        {
            foreach (var (hash, name) in new[]
            {
                ("#/jobs", "phone-jobs"), ($"#/jobs/{jobId}", "phone-job"), ("#/train", "phone-train"), ("#/compare?ids=" + jobId, "phone-compare"),
                ("#/models", "phone-models"), ($"#/models/{modelId}", "phone-playground"), ("#/datasets", "phone-datasets"),
                ("#/sweeps", "phone-sweeps"), ("#/sweeps/new", "phone-sweep-form"),
            })
            {
                b.Go(hash);
                b.AssertNoSidewaysScroll(hash);
                var unlabelled = (IReadOnlyCollection<object>)b.Script("""
                    return [...document.querySelectorAll('input, select, textarea, button')].filter(c => {
                      if (c.type === 'hidden') return false;
                      if (c.getAttribute('aria-label') || c.getAttribute('aria-labelledby')) return false;
                      if (c.labels && c.labels.length && [...c.labels].some(l => l.textContent.trim())) return false;
                      if (c.tagName === 'BUTTON' && c.textContent.trim()) return false;
                      return true;
                    }).map(c => c.outerHTML.slice(0, 120));
                    """)!;
                Assert.True(unlabelled.Count == 0, $"{hash}: controls without an accessible name: {string.Join(" | ", unlabelled)}");
                b.Screenshot(name);
            }
        }
        finally
        {
            b.Resize(1280, 900);
        }
        b.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task CancellingARunningJobFromTheListMarksItCancelled()
    {
        var b = _browser;
        b.Resize(1280, 900);
        var response = await fixture.Http.PostAsJsonAsync("/train", new
        {
            task = "charlm", dataset = "hamlet", name = "long run", hyperparameters = new { epochs = 5000, hiddenSize = 32 },
        });
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        try
        {
            b.Go("#/jobs");
            var button = $"#jobs-table tr[data-id='{id}'][data-status='running'] button[data-action='cancel']";
            b.WaitUntil(() => b.All(button).Count == 1, "the running job's cancel button");
            Assert.Equal("Cancel long run", b.Element(button).GetAttribute("aria-label"));
            b.WaitUntil(() => b.Element($"#jobs-table tr[data-id='{id}'] progress").GetAttribute("value") is not "0", "the progress bar to move");
            b.Screenshot("jobs-running");
            b.Click(button);
            b.WaitUntil(() => b.All($"#jobs-table tr[data-id='{id}'][data-status='cancelled']").Count == 1, "the job to show as cancelled");
        }
        finally
        {
            await fixture.Http.PostAsJsonAsync($"/jobs/{id}/cancel", new { }); // never leave it running for the next test
        }
        b.AssertNoConsoleErrors();
    }
}
