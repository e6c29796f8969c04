using System.Diagnostics.Metrics;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Operations;

/// <summary>
/// <c>qrlogin_pages_waiting</c>: the live subscriptions of this node's <see cref="ITransactionNotifier"/> (sign-in
/// pages and long polls waiting on a code, and live tables), read when scraped. On the meter of this node's own
/// container, not the static one: it is this node's state, and two portals in one process (tests) must not mix.
/// </summary>
public sealed class WaitingPagesGauge
{
    public const string Name = "qrlogin.pages.waiting";

    public WaitingPagesGauge(IMeterFactory meters, ITransactionNotifier notifier)
    {
        var meter = meters.Create(PortalMeter.Name);
        meter.CreateObservableGauge(Name, () => (long)notifier.SubscriptionCount, unit: "{subscription}",
            description: "Pages and long polls on this node waiting on a QR code (live subscriptions of the notifier)");
    }
}
