using Microsoft.Extensions.Logging.Abstractions;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Tests.QrLogin;

public sealed class KeyedNotifierTests
{
    private readonly KeyedNotifier<string, int> _notifier = new(NullLogger.Instance, StringComparer.Ordinal);

    [Fact]
    public async Task AMessage_ReachesOnlyTheSubscribersOfItsKey_EvenWhenAnotherOfThemFails()
    {
        var received = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var foreign = 0;
        using var failing = _notifier.Subscribe("a", _ => throw new InvalidOperationException("a broken page"));
        using var listening = _notifier.Subscribe("a", m => { received.TrySetResult(m); return Task.CompletedTask; });
        using var other = _notifier.Subscribe("b", _ => { Interlocked.Increment(ref foreign); return Task.CompletedTask; });

        _notifier.Publish("a", 42);

        Assert.Equal(42, await received.Task.WaitAsync(TestContext.Current.CancellationToken));
        Assert.Equal(0, foreign);
    }

    [Fact]
    public void Publishing_DoesNotWaitForASlowSubscriber()
    {
        var release = new TaskCompletionSource();
        using var slow = _notifier.Subscribe("a", _ => release.Task);

        _notifier.Publish("a", 1);

        // Returned while the handler still waits.
        Assert.False(release.Task.IsCompleted);
        release.SetResult();
    }

    [Fact]
    public void ADisposedSubscription_LeavesNothingBehind_AndMayBeDisposedTwice()
    {
        var first = _notifier.Subscribe("a", _ => Task.CompletedTask);
        var second = _notifier.Subscribe("a", _ => Task.CompletedTask);
        Assert.Equal(2, _notifier.SubscriptionCount);

        first.Dispose();
        first.Dispose();
        second.Dispose();

        Assert.Equal(0, _notifier.SubscriptionCount);
    }
}
