using System.Text.RegularExpressions;

namespace RnnService.Api.Tests;

/// <summary>The README's curl walk-through quotes what the service answers: its requests, sent here, give its figures.</summary>
public sealed partial class ReadmeWalkthroughTests : ServiceTest
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));

    /// <summary>The JSON bodies the walk-through's curl commands POST to <paramref name="path"/>, in order.</summary>
    private static List<string> Bodies(string path) =>
        Regex.Matches(Readme, $@"-X POST http://localhost:5000{Regex.Escape(path)} -H 'Content-Type: application/json' \\\s+-d '([^']+)'")
            .Select(m => m.Groups[1].Value).ToList();

    [Fact]
    public async Task TheToyModelAnswersThePredictionsTheReadmeShows()
    {
        var train = Bodies("/train").First(b => b.Contains("toy-sentiment"));
        var job = await _client.PostRawAsync("/train", train);
        await _client.WaitForSuccessAsync((await job.OkJsonAsync(System.Net.HttpStatusCode.Accepted)).Id());

        var answer = await (await _client.PostRawAsync("/predict", Bodies("/predict").First())).OkJsonAsync();

        // The README gives two decimals and an ellipsis: the answer's probabilities cut to two decimals.
        var quoted = QuotedPrediction().Matches(Readme).Select(m => $"{m.Groups["text"]}: {m.Groups["label"]} {m.Groups["probability"]}");
        var answered = answer.GetProperty("predictions").EnumerateArray().Select(p =>
            $"{p.GetProperty("text")}: {p.GetProperty("label")} {Math.Truncate(p.GetProperty("probability").GetDouble() * 100) / 100:F2}");
        Assert.Equal(quoted, answered);
    }

    [Fact]
    public async Task TheNamesModelTrainsTheEpochsTheReadmeSays()
    {
        var quoted = int.Parse(QuotedNamesEpochs().Match(Readme).Groups[1].Value);
        var job = await (await _client.PostRawAsync("/train", Bodies("/train").First(b => b.Contains("us-names")))).OkJsonAsync(System.Net.HttpStatusCode.Accepted);
        Assert.Equal(quoted, job.GetProperty("hyperparameters").GetProperty("epochs").GetInt32());
    }

    [GeneratedRegex(@"\{ ""text"": ""(?<text>[^""]+)"", ""label"": ""(?<label>\w+)"", ""probability"": (?<probability>\d\.\d\d)…")]
    private static partial Regex QuotedPrediction();

    [GeneratedRegex(@"Train a character model on [\d,]+ US first names \((\d+) epochs")]
    private static partial Regex QuotedNamesEpochs();
}
