using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Tests.Infrastructure;

/// <summary>
/// The portal's own transaction notifier, watched: a test can wait until someone (a long poll, a
/// page) has subscribed to a transaction instead of sleeping, and can switch the push off to check
/// that a test fails without it.
/// </summary>
public sealed class WatchedTransactionNotifier(ITransactionNotifier inner) : ITransactionNotifier
{
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> _subscribed = new();

    /// <summary>False: changes are not delivered to anyone (the push is broken).</summary>
    public bool Delivers { get; set; } = true;

    /// <summary>Completes once a waiter has subscribed to <paramref name="transactionId"/>.</summary>
    public Task SubscribedAsync(Guid transactionId) => Signal(transactionId).Task;

    public IDisposable Subscribe(Guid transactionId, Func<QrTransactionChanged, Task> handler)
    {
        var subscription = inner.Subscribe(transactionId, handler);
        Signal(transactionId).TrySetResult();
        return subscription;
    }

    public Task PublishAsync(QrTransactionChanged change) => Delivers ? inner.PublishAsync(change) : Task.CompletedTask;

    public Task AnnounceAsync(global::QrLoginPortal.Data.ApplicationDbContext db, QrTransactionChanged change, CancellationToken ct = default) =>
        Delivers ? inner.AnnounceAsync(db, change, ct) : Task.CompletedTask;

    public IDisposable SubscribeAll(Func<QrTransactionChanged, Task> handler) => inner.SubscribeAll(handler);

    public int SubscriptionCount => inner.SubscriptionCount;

    public IReadOnlyCollection<Guid>? LocalWaitsWhenShared => inner.LocalWaitsWhenShared;

    private TaskCompletionSource Signal(Guid transactionId) =>
        _subscribed.GetOrAdd(transactionId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>Wraps whatever notifier the portal registered, however it registered it.</summary>
    public static void Decorate(IServiceCollection services)
    {
        var registered = services.Last(d => d.ServiceType == typeof(ITransactionNotifier));
        services.Remove(registered);
        services.AddSingleton(sp => new WatchedTransactionNotifier(
            registered.ImplementationInstance as ITransactionNotifier
            ?? (ITransactionNotifier?)registered.ImplementationFactory?.Invoke(sp)
            ?? (ITransactionNotifier)ActivatorUtilities.CreateInstance(sp, registered.ImplementationType!)));
        services.AddSingleton<ITransactionNotifier>(sp => sp.GetRequiredService<WatchedTransactionNotifier>());
    }
}
