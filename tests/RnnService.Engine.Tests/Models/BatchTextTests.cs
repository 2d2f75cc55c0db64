using RnnService.Engine.Models;

namespace RnnService.Engine.Tests.Models;

/// <summary>One request's texts read through the batched path: a cancelled request throws, before the read or after it.</summary>
public class BatchTextTests
{
    [Fact]
    public void ATokenCancelledBeforeTheReadThrowsWithoutReading()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        int reads = 0;

        Assert.ThrowsAny<OperationCanceledException>(() => BatchText.ReadAlone<string>(["a"], cancel.Token, texts => { reads++; return [.. texts.Select(t => t.Text)]; }));
        Assert.Equal(0, reads);
    }

    [Fact]
    public void ATokenCancelledDuringTheReadThrowsInsteadOfReturningItsNulls()
    {
        using var cancel = new CancellationTokenSource();

        Assert.ThrowsAny<OperationCanceledException>(() => BatchText.ReadAlone<string>(["a", "b"], cancel.Token, texts =>
        {
            cancel.Cancel();
            return texts.Select(_ => (string?)null).ToList();
        }));
    }

    [Fact]
    public void EachTextReachesTheReadWithTheRequestsTokenAndItsResultsComeBackInOrder()
    {
        using var cancel = new CancellationTokenSource();

        var results = BatchText.ReadAlone<string>(["a", "bb"], cancel.Token, texts =>
        {
            Assert.All(texts, t => Assert.Equal(cancel.Token, t.Cancellation));
            return texts.Select(t => t.Text + "!").ToList();
        });

        Assert.Equal(["a!", "bb!"], results);
        Assert.Equal("texts", Assert.Throws<ArgumentNullException>(() => BatchText.ReadAlone<string>(null!, default, _ => [])).ParamName);
    }
}
