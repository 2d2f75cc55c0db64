using RnnService.Engine.Core;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

using static RnnService.Engine.Tests.Models.SmallModels;

namespace RnnService.Engine.Tests.Models;

/// <summary>Texts read together (/predict and /score of several requests in one batch) give what each gives alone, and a
/// cancelled text leaves the batch without touching the others.</summary>
public class BatchedReadTests
{
    [Theory]
    [InlineData(Architecture.Lstm)]
    [InlineData(Architecture.Gru)]
    public void SeventyTextsOfOneTo600CharactersReadTogetherScoreAndPredictAsEachAloneWithin1e6(Architecture architecture)
    {
        var model = LineCharModel(architecture);
        // Past 64 rows (a second row group) and 256 steps (windows carrying the state), with an unknown character.
        var rng = new Rng(5);
        var texts = Enumerable.Range(0, 70).Select(i => new string(Enumerable.Range(0, i == 3 ? 600 : 1 + rng.NextInt(40))
            .Select(_ => "abcde "[rng.NextInt(6)]).ToArray()) + (i == 7 ? "z" : "")).ToList();

        var scores = model.Score(texts.Select(t => new BatchText(t)).ToList(), top: 3);
        var predictions = model.Predict(texts.Select(t => new BatchText(t)).ToList(), top: 4);

        double worst = 0, worstPerplexity = 0;
        for (int i = 0; i < texts.Count; i++)
        {
            var alone = model.Score(texts[i], top: 3);
            Assert.Equal(alone.Select(s => (s.Index, s.Character, s.Probability is null)), scores[i]!.Select(s => (s.Index, s.Character, s.Probability is null)));
            foreach (var (a, b) in alone.Zip(scores[i]!))
                worst = a.Alternatives.Zip(b.Alternatives).Select(p => (double)Math.Abs(p.First.Probability - p.Second.Probability))
                    .Append(Math.Abs((a.Probability ?? 0) - (b.Probability ?? 0))).Append(worst).Max();
            var (perplexity, next) = (model.Perplexity(texts[i]), model.NextCharacters(texts[i], 4));
            worstPerplexity = Math.Max(worstPerplexity, Math.Abs(predictions[i]!.Perplexity / perplexity - 1));
            worst = next.Zip(predictions[i]!.NextCharacters).Select(p => (double)Math.Abs(p.First.Probability - p.Second.Probability)).Append(worst).Max();
        }
        // The long text against the network reading each whole prefix at once (no windows, no batch).
        Assert.Equal(601, scores[3]!.Count);
        foreach (int index in new[] { 0, 255, 256, 300, 599 })
            worst = Math.Max(worst, Math.Abs(scores[3]![index].Probability!.Value
                - model.NextCharacters(texts[3][..index], Letters.Length).Single(n => n.Character == texts[3][index].ToString()).Probability));
        worstPerplexity = Math.Max(worstPerplexity, Math.Abs(predictions[3]!.Perplexity / CharReference.Perplexity(model, texts[3]) - 1));
        Assert.Null(scores[7]![^2].Probability);
        Assert.True(worst <= 1e-6, $"probabilities differ by up to {worst:e2}");
        Assert.True(worstPerplexity <= 1e-6, $"perplexities differ by up to {worstPerplexity:e2} of their value");
    }

    [Fact]
    public void ACancelledTextReadsAsNullAndTheOthersReadAsAlone()
    {
        var model = LineCharModel(Architecture.Lstm);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        string[] texts = ["abc", "deed", "bead"];
        var batch = texts.Select((t, i) => new BatchText(t, i == 1 ? cancel.Token : default)).ToList();

        var scores = model.Score(batch, top: 2);
        var predictions = model.Predict(batch, top: 2);

        Assert.Null(scores[1]);
        Assert.Null(predictions[1]);
        foreach (int i in new[] { 0, 2 })
        {
            Assert.True(Worst(model.Score(texts[i], 2).Select(s => s.Probability), scores[i]!.Select(s => s.Probability)) <= 1e-6);
            Assert.True(Math.Abs(model.Perplexity(texts[i]) / predictions[i]!.Perplexity - 1) <= 1e-6);
        }
        Assert.ThrowsAny<OperationCanceledException>(() => model.Score("abc", 2, cancel.Token));
    }

    [Fact]
    public void AClassifiersCancelledTextReadsAsNullAndTheOthersAsAlone()
    {
        var classifier = WordClassifier(Architecture.Lstm, seed: 3);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        string[] texts = ["a b c", "d e", "b a d e a"];
        var batch = texts.Select((t, i) => new BatchText(t, i == 1 ? cancel.Token : default)).ToList();

        var classified = classifier.Classify(batch);
        var explained = classifier.Explain(batch);

        Assert.Null(classified[1]);
        Assert.Null(explained[1]);
        Assert.True(Worst(classifier.Classify([texts[0], texts[2]]).Select(c => (float?)c.Probability), [classified[0]!.Probability, classified[2]!.Probability]) <= 1e-6);
        Assert.True(Worst(classifier.Explain([texts[2]])[0].Words.Select(w => (float?)w.Influence), explained[2]!.Words.Select(w => (float?)w.Influence)) <= 1e-6);
        Assert.Equal(5, explained[2]!.Words.Count);
    }

    private static double Worst(IEnumerable<float?> expected, IEnumerable<float?> actual)
    {
        var (e, a) = (expected.ToList(), actual.ToList());
        Assert.Equal(e.Count, a.Count);
        return e.Zip(a).Select(p => (double)Math.Abs(p.First!.Value - p.Second!.Value)).DefaultIfEmpty().Max();
    }
}
