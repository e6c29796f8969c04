using System.Diagnostics.Metrics;

namespace QrLoginPortal;

/// <summary>
/// The portal's own metrics (System.Diagnostics.Metrics, so the engine needs no exporter); the
/// Operations feature publishes them at <c>/metrics</c> in Prometheus form, named <c>qrlogin_*</c>. Gauges of one
/// node's state live on that node's own meter (<see cref="Operations.WaitingPagesGauge"/>).
/// </summary>
public static class PortalMeter
{
    public const string Name = "QrLoginPortal";

    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> CodesCreated = Meter.CreateCounter<long>("qrlogin.codes.created", description: "QR codes created");
    public static readonly Counter<long> CodesScanned = Meter.CreateCounter<long>("qrlogin.codes.scanned", description: "QR codes opened by a signed-in phone");
    public static readonly Counter<long> CodesApproved = Meter.CreateCounter<long>("qrlogin.codes.approved", description: "QR codes approved");
    public static readonly Counter<long> CodesDenied = Meter.CreateCounter<long>("qrlogin.codes.denied", description: "QR codes denied");
    public static readonly Counter<long> CodesExpired = Meter.CreateCounter<long>("qrlogin.codes.expired", description: "QR codes that expired unanswered");
    public static readonly Counter<long> CodesCancelled = Meter.CreateCounter<long>("qrlogin.codes.cancelled", description: "QR codes cancelled by their page, the API or an admin");
    public static readonly Counter<long> TicketsRedeemed = Meter.CreateCounter<long>("qrlogin.tickets.redeemed", description: "Sign-in tickets redeemed by the browser that showed the code");
    public static readonly Counter<long> SignIns = Meter.CreateCounter<long>("qrlogin.sign_ins", description: "Browsers signed in, by method");

    public static readonly Counter<long> LimiterRecorded = Meter.CreateCounter<long>("qrlogin.limiter.recorded",
        description: "Attempts counted against a limiter, by limiter: failures (wrong codes, passwords, badges, secrets), or creations for the creation limits");

    /// <summary>
    /// From an approval's commit (the change's time, on the approving node's clock) to this node telling a page or
    /// long poll that waits on it: the push as the person at the browser sees it, across nodes included. Measured
    /// on the node whose waiter is told, so the nodes' clocks must agree (as the codes' expiry already needs).
    /// </summary>
    public static readonly Histogram<double> ApproveToPush = Meter.CreateHistogram("qrlogin.approve_to_push", unit: "s",
        description: "Time from an approval's commit to a waiting page on this node being told",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5] });

    public static readonly Counter<long> LimiterRefused = Meter.CreateCounter<long>("qrlogin.limiter.refused",
        description: "Checks a limiter answered with a wait (throttled), by limiter");
}
