using RnnService.Engine.Models;
using RnnService.Engine.Tokenizers;

namespace RnnService.Engine.Tests.Models;

/// <summary>A char model's numbers computed apart from the model's own reading code, to check it against.</summary>
public static class CharReference
{
    /// <summary>exp(mean −log p) over a line model's text and its end marker after &lt;bos&gt; (a continuous model's text after
    /// its first character), each p from a full softmax (double) of the logits the network gives for the whole prefix at
    /// once: a different code path from the model's loss and windows.</summary>
    public static double Perplexity(CharLanguageModel model, string text)
    {
        var tokenizer = new CharTokenizer(model.Config.Vocabulary);
        int[] ids = model.LineMode ? [tokenizer.BeginId, .. tokenizer.Encode(text), tokenizer.EndId] : tokenizer.Encode(text);
        var network = model.Network.CloneForInference();
        double nll = 0;
        for (int t = 1; t < ids.Length; t++)
        {
            var logits = network.NextTokenLogits(ids.AsSpan(0, t), t, 1, default, default).ToArray();
            double max = logits.Max();
            double logSum = max + Math.Log(logits.Sum(z => Math.Exp(z - max)));
            nll += logSum - logits[ids[t]];
        }
        return Math.Exp(nll / (ids.Length - 1));
    }
}
