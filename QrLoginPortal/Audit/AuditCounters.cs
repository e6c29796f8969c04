using System.Diagnostics.Metrics;

namespace QrLoginPortal.Audit;

/// <summary>
/// Which committed audit rows the portal's metrics count, and in which series: one map for every way a row is
/// written (EF Core's save, counted by the Operations feature's interceptor when it commits; the engine's plain
/// inserts, counted by the engine after their commit). Only successes count.
/// </summary>
public static class AuditCounters
{
    private static readonly Dictionary<string, Counter<long>> ByType = new()
    {
        [AuditTypes.QrCreate] = PortalMeter.CodesCreated,
        [AuditTypes.QrScan] = PortalMeter.CodesScanned,
        [AuditTypes.QrApprove] = PortalMeter.CodesApproved,
        [AuditTypes.QrDeny] = PortalMeter.CodesDenied,
        // A wrong number denies the code as well.
        [AuditTypes.QrSuspectedPhishing] = PortalMeter.CodesDenied,
        [AuditTypes.QrExpire] = PortalMeter.CodesExpired,
        [AuditTypes.QrCancel] = PortalMeter.CodesCancelled,
        [AuditTypes.QrRedeem] = PortalMeter.TicketsRedeemed,
    };

    /// <summary>The series a committed <paramref name="audit"/> adds one to; null when none.</summary>
    public static Counter<long>? Of(AuditEvent audit) =>
        audit.Outcome == AuditOutcomes.Success && ByType.TryGetValue(audit.Type, out var counter) ? counter : null;

    /// <summary>Counts <paramref name="audit"/>, written without EF Core's save, once its commit succeeded.</summary>
    public static void Committed(AuditEvent audit) => Of(audit)?.Add(1);
}
