using RnnService.Engine.Data;
using RnnService.Engine.Models;
using RnnService.Engine.Sampling;
using RnnService.Engine.Tokenizers;
using RnnService.Engine.Training;
using Xunit.Abstractions;

namespace RnnService.Engine.Tests.Training;

public class NamesTrainingTests(ITestOutputHelper output)
{
    [Fact]
    public void ValidationPerplexityBeatsASmoothedBigramModelAndSamplesLookLikeNames()
    {
        var corpus = (TextCorpus)BuiltInDatasets.Load(BuiltInDatasets.UsNames);
        var hp = Hyperparameters.DefaultsFor(TaskKind.CharLm) with { Epochs = 3 };
        var result = Trainer.Train(TaskKind.CharLm, Architecture.Lstm, hp, corpus);
        double modelPerplexity = result.History[^1].Perplexity!.Value;

        var lines = CharTokenizer.SplitLines(corpus.Text);
        var (train, validation) = TrainingTask.Split(lines.Count, hp.ValidationFraction, hp.Seed);
        double bigramPerplexity = BigramPerplexity(train.Select(i => lines[i]), validation.Select(i => lines[i]));
        output.WriteLine($"model {modelPerplexity:F3} vs bigram {bigramPerplexity:F3}; {result.History.Sum(m => m.Seconds):F1} s");
        Assert.True(modelPerplexity < bigramPerplexity, $"model {modelPerplexity} vs bigram {bigramPerplexity}");

        var model = Assert.IsType<CharLanguageModel>(result.Model);
        var names = model.Generate(new GenerationOptions { Count = 20, Seed = 7, MaxLength = 30, Temperature = 0.8f });
        output.WriteLine(string.Join(", ", names));
        Assert.Equal(20, names.Count);
        Assert.All(names, n => Assert.Matches("^[a-z]{2,15}$", n));
        Assert.True(names.Distinct().Count() >= 15, "samples should vary");
    }

    /// <summary>Add-one smoothed character bigram, including begin → first and last → end transitions.</summary>
    private static double BigramPerplexity(IEnumerable<string> train, IEnumerable<string> test)
    {
        const char Begin = '^', End = '$';
        var counts = new Dictionary<(char, char), int>();
        var totals = new Dictionary<char, int>();
        var symbols = new HashSet<char> { End };
        foreach (var line in train)
        {
            var s = Begin + line + End;
            for (int i = 0; i + 1 < s.Length; i++)
            {
                counts[(s[i], s[i + 1])] = counts.GetValueOrDefault((s[i], s[i + 1])) + 1;
                totals[s[i]] = totals.GetValueOrDefault(s[i]) + 1;
                symbols.Add(s[i + 1]);
            }
        }
        double nll = 0;
        long n = 0;
        foreach (var line in test)
        {
            var s = Begin + line + End;
            for (int i = 0; i + 1 < s.Length; i++)
            {
                double p = (counts.GetValueOrDefault((s[i], s[i + 1])) + 1.0) / (totals.GetValueOrDefault(s[i]) + symbols.Count);
                nll -= Math.Log(p);
                n++;
            }
        }
        return Math.Exp(nll / n);
    }
}
