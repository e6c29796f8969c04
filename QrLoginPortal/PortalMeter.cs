using System.Diagnostics.Metrics;

namespace QrLoginPortal;

/// <summary>
/// The portal's own metrics (System.Diagnostics.Metrics, so the engine needs no exporter); the
/// Operations feature publishes them at <c>/metrics</c> in Prometheus form, named <c>qrlogin_*</c>.
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

    public static readonly Counter<long> LimiterRefused = Meter.CreateCounter<long>("qrlogin.limiter.refused",
        description: "Checks a limiter answered with a wait (throttled), by limiter");
}
