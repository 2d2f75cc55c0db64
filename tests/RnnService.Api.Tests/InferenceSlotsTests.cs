using Microsoft.Extensions.Options;
using RnnService.Api.Inference;

namespace RnnService.Api.Tests;

/// <summary>The slots that cap concurrent inference, driven directly (no host).</summary>
public sealed class InferenceSlotsTests
{
    private static InferenceSlots Slots(int limit, TimeSpan? queueWait = null) => new(Options.Create(new InferenceOptions
    {
        MaxConcurrentRequests = limit, QueueWait = queueWait ?? TimeSpan.FromMilliseconds(50), LightRequestCharacters = 10,
    }));

    [Fact]
    public async Task ASlotDisposedTwiceFreesOneSlotOnly()
    {
        using var slots = Slots(limit: 2);
        var first = await slots.TryEnterAsync(100, default);
        var second = await slots.TryEnterAsync(100, default);
        Assert.Equal(2, slots.Running);

        first!.Dispose();
        first.Dispose();
        Assert.Equal(1, slots.Running);
        // Only the one slot came back: a third request finds it, a fourth finds none.
        var third = await slots.TryEnterAsync(100, default);
        Assert.NotNull(third);
        Assert.Null(await slots.TryEnterAsync(100, default));
        Assert.Equal(2, slots.Running);
        second!.Dispose();
        third!.Dispose();
        Assert.Equal(0, slots.Running);
    }

    [Fact]
    public async Task ALightRequestNeedsNoSlotEvenWhenAllAreTaken()
    {
        using var slots = Slots(limit: 1);
        using var heavy = await slots.TryEnterAsync(11, default);
        Assert.Null(await slots.TryEnterAsync(11, default));

        var light = await slots.TryEnterAsync(10, default);
        Assert.NotNull(light);
        light!.Dispose();
        Assert.Equal(1, slots.Running);
    }

    [Fact]
    public async Task ARequestQueuedWithinTheQueueWaitTakesTheSlotThatFreesMeanwhile()
    {
        using var slots = Slots(limit: 1, queueWait: TimeSpan.FromMinutes(2));
        var holder = await slots.TryEnterAsync(100, default);
        var waiting = slots.TryEnterAsync(100, default);
        Assert.False(waiting.IsCompleted);

        holder!.Dispose();
        using var next = await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotNull(next);
        Assert.Equal(1, slots.Running);
    }

    [Fact]
    public async Task ANegativeQueueWaitMeansNoWaitNotAnError()
    {
        using var slots = Slots(limit: 1, queueWait: TimeSpan.FromSeconds(-5));
        using var holder = await slots.TryEnterAsync(100, default);

        Assert.Null(await slots.TryEnterAsync(100, default).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, slots.Running);
    }
}
