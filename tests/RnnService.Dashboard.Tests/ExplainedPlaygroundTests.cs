using OpenQA.Selenium;

namespace RnnService.Dashboard.Tests;

/// <summary>Issue 13: the playgrounds colour words by influence and characters by surprisal, show the details on
/// focus, and expose the generation controls.</summary>
[Collection(DashboardCollection.Name)]
public sealed class ExplainedPlaygroundTests(DashboardFixture fixture)
{
    private readonly Browser _browser = new(fixture);

    [Fact]
    public async Task TheSentimentPlaygroundColoursEachWordByItsInfluenceWithALegend()
    {
        var b = _browser;
        b.Resize(1280, 900);
        var (_, modelId) = await fixture.TrainAsync(new { task = "sentiment", dataset = "toy-sentiment", name = "toy explained", hyperparameters = new { epochs = 40, earlyStoppingPatience = 40, weightDecay = 0 } });

        b.Go($"#/models/{modelId}");
        b.Fill("#f-text", "i am not happy this is bad");
        b.Click(".playground button[type=submit]");
        var chips = b.WaitFor(() => b.All("#classify-results .explained .chip") is { Count: 7 } c ? c : null, "seven coloured words");
        Assert.Equal(["i", "am", "not", "happy", "this", "is", "bad"], chips.Select(c => c.Text));
        Assert.Contains("pushed towards negative", b.Text("#classify-results .legend"));
        // "bad" pulls a toy-trained model towards negative: red, with its share of P(positive) in its tip.
        var bad = chips[6];
        Assert.StartsWith("rgba(185, 28, 28", bad.GetCssValue("background-color"));
        Assert.Matches(@"^bad: −\d+\.\d points of P\(positive\)", bad.GetAttribute("data-tip"));
        bad.SendKeys("");   // keyboard focus shows the same details
        Assert.Equal(bad, b.Driver.SwitchTo().ActiveElement());
        b.FullPageScreenshot("playground-sentiment-influence");
        b.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task TheCharPlaygroundColoursSamplesAndScoredTextsBySurprisalAndHonoursTheNewControls()
    {
        var b = _browser;
        b.Resize(1280, 900);
        var (_, modelId) = await fixture.TrainAsync(new
        {
            task = "charlm", dataset = "us-names", name = "names explained",
            hyperparameters = new { hiddenSize = 16, embeddingSize = 8, epochs = 1 },
        });

        b.Go($"#/models/{modelId}");
        b.Fill("#f-prefix", "jo");
        b.Fill("#f-minLength", "5");
        b.Fill("#f-maxLength", "7");
        b.Fill("#f-count", "6");
        b.Fill("#f-seed", "3");
        b.Click(".char-playground button[type=submit]");
        var samples = b.WaitFor(() => b.All("#samples li .scored") is { Count: 6 } s ? s : null, "six scored samples");
        foreach (var sample in samples)
        {
            var name = string.Concat(sample.FindElements(By.CssSelector(".chip:not(.end)")).Select(c => c.Text));
            Assert.Equal("end", sample.FindElement(By.CssSelector(".chip.end")).Text);
            Assert.StartsWith("jo", name);
            Assert.InRange(name.Length, 5, 7);
        }
        Assert.Contains("Surprisal", b.Text(".char-playground .legend"));

        // Only new lines: the answer says how many training names it dropped.
        b.Click("#f-excludeTrainingSamples");
        b.Click(".char-playground button[type=submit]");
        b.WaitUntil(() => System.Text.RegularExpressions.Regex.IsMatch(b.Text(".char-playground"), @"seed 3 · \d+ training lines? rejected"), "the rejected count");
        Assert.Equal(6, b.All("#samples li").Count);

        // Score a name with characters the model never saw: they are flagged, the rest coloured with alternatives.
        b.Fill("#f-text", "Zoë");
        b.Click("#score-form button[type=submit]");
        var chips = b.WaitFor(() => b.All("#score-results .chip") is { Count: 4 } c ? c : null, "three characters and the end marker");
        Assert.Contains("not in the model's alphabet", chips[0].GetAttribute("data-tip"));
        Assert.Matches(@"^o: p \d+(\.\d)?%, [\d.]+ bits\nlikeliest: ", chips[1].GetAttribute("data-tip"));
        Assert.Contains("Not in the alphabet: Z ë", b.Text("#score-results"));
        chips[1].SendKeys("");
        Assert.Equal(chips[1], b.Driver.SwitchTo().ActiveElement());
        b.FullPageScreenshot("playground-char-surprisal");

        // A field the service refuses shows its message next to it.
        b.Fill("#f-minLength", "9");
        b.Click(".char-playground button[type=submit]");
        b.WaitUntil(() => b.Find("#err-f-minLength").Text.Contains("between 0 and maxLength"), "the minLength error");
        b.AssertNoConsoleErrors("/generate - Failed to load resource: the server responded with a status of 400");
    }
}
