using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Audit;
using QrLoginPortal.Data;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Admin;

/// <summary>One QR transaction as the live table shows it (no secret, ever).</summary>
public sealed record TransactionRow(
    Guid Id,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset ExpiresAt,
    QrTransactionState State,
    bool Scanned,
    string? RequesterIp,
    string? RequesterUserAgent,
    string? UserId,
    string? UserEmail)
{
    /// <summary>From showing the code to the approval; null unless approved.</summary>
    public TimeSpan? TimeToApprove => State == QrTransactionState.Success ? UpdatedAt - CreatedAt : null;
}

public sealed record TransactionFilter(QrTransactionState? State = null, string? User = null);

public sealed record DashboardFigures(
    int Created,
    int Approved,
    int Denied,
    int Expired,
    TimeSpan? MedianTimeToApprove,
    IReadOnlyList<HourlyCount> Hours);

public sealed record HourlyCount(DateTimeOffset Hour, int Created, int Approved);

/// <summary>Reads and acts on QR transactions for administrators; every action is checked by <see cref="AdminGuard"/>.</summary>
public sealed class TransactionMonitor(
    IDbContextFactory<ApplicationDbContext> dbFactory,
    QrLoginService qrLogin,
    QrSettingsStore settings,
    AdminGuard guard,
    TimeProvider clock)
{
    public async Task<IReadOnlyList<TransactionRow>> ListAsync(TransactionFilter filter, int take = 200, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = Joined(db);
        if (filter.State is { } state)
        {
            query = query.Where(r => r.T.State == state);
        }

        if (!string.IsNullOrWhiteSpace(filter.User))
        {
            var user = filter.User.Trim().ToUpperInvariant();
            query = query.Where(r => r.U != null && r.U.NormalizedEmail!.Contains(user));
        }

        return await query.OrderByDescending(r => r.T.CreatedAt).Take(take).Select(r => ToRow(r.T, r.U)).ToListAsync(ct);
    }

    public async Task<TransactionRow?> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await Joined(db).Where(r => r.T.Id == id).Select(r => ToRow(r.T, r.U)).SingleOrDefaultAsync(ct);
    }

    public async Task<bool> CancelAsync(AdminActor actor, Guid id, CancellationToken ct = default)
    {
        await guard.EnsureAsync(actor, ct);
        return await qrLogin.CancelByAdminAsync(id, actor.UserId!, actor.Ip, ct);
    }

    public Task<int> CountPendingAsync(CancellationToken ct = default) => qrLogin.CountPendingAsync(ct);

    /// <summary>For an active phishing campaign: cancels every pending code and switches QR sign-in off until re-enabled.</summary>
    public async Task<int> StopAllAsync(AdminActor actor, CancellationToken ct = default)
    {
        await guard.EnsureAsync(actor, ct);
        var current = await settings.GetAsync(ct);
        current.Enabled = false;
        var errors = await settings.UpdateAsync(current, actor.UserId, actor.Name, actor.Ip, ct, note: "stop all pending", auditType: AuditTypes.QrStopAll);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"QR sign-in could not be switched off: {string.Join(" ", errors.Values)}");
        }

        return await qrLogin.CancelAllPendingAsync(actor.UserId!, actor.Ip, ct);
    }

    public async Task ResumeAsync(AdminActor actor, CancellationToken ct = default)
    {
        await guard.EnsureAsync(actor, ct);
        var current = await settings.GetAsync(ct);
        current.Enabled = true;
        var errors = await settings.UpdateAsync(current, actor.UserId, actor.Name, actor.Ip, ct, note: "QR sign-in re-enabled");
        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"QR sign-in could not be re-enabled: {string.Join(" ", errors.Values)}");
        }
    }

    public async Task<DashboardFigures> DashboardAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var since = now.AddHours(-24);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var events = await db.AuditEvents.AsNoTracking()
            .Where(e => e.At >= since && e.Outcome == AuditOutcomes.Success
                        && (e.Type == AuditTypes.QrCreate || e.Type == AuditTypes.QrApprove || e.Type == AuditTypes.QrDeny || e.Type == AuditTypes.QrExpire))
            .Select(e => new { e.Type, e.At })
            .ToListAsync(ct);
        var approvals = await db.QrTransactions.AsNoTracking()
            .Where(t => t.State == QrTransactionState.Success && t.UpdatedAt >= since)
            .Select(t => new { t.CreatedAt, t.UpdatedAt })
            .ToListAsync(ct);

        var durations = approvals.Select(a => a.UpdatedAt - a.CreatedAt).Order().ToList();
        TimeSpan? median = durations.Count == 0 ? null
            : durations.Count % 2 == 1 ? durations[durations.Count / 2]
            : (durations[durations.Count / 2 - 1] + durations[durations.Count / 2]) / 2;

        var firstHour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(-23);
        var hours = Enumerable.Range(0, 24).Select(i => firstHour.AddHours(i)).Select(hour => new HourlyCount(hour,
            events.Count(e => e.Type == AuditTypes.QrCreate && e.At >= hour && e.At < hour.AddHours(1)),
            events.Count(e => e.Type == AuditTypes.QrApprove && e.At >= hour && e.At < hour.AddHours(1)))).ToList();

        return new DashboardFigures(
            events.Count(e => e.Type == AuditTypes.QrCreate),
            events.Count(e => e.Type == AuditTypes.QrApprove),
            events.Count(e => e.Type == AuditTypes.QrDeny),
            events.Count(e => e.Type == AuditTypes.QrExpire),
            median,
            hours);
    }

    // A class with settable members (not a positional record) so EF can translate filters on it.
    private sealed class TransactionWithUser
    {
        public required QrTransaction T { get; init; }
        public ApplicationUser? U { get; init; }
    }

    private static IQueryable<TransactionWithUser> Joined(ApplicationDbContext db) =>
        from t in db.QrTransactions.AsNoTracking()
        join u in db.Users on t.UserId equals u.Id into users
        from u in users.DefaultIfEmpty()
        select new TransactionWithUser { T = t, U = u };

    private static TransactionRow ToRow(QrTransaction t, ApplicationUser? u) =>
        new(t.Id, t.CreatedAt, t.UpdatedAt, t.ExpiresAt, t.State, t.ScannedAt != null, t.RequesterIp, t.RequesterUserAgent,
            t.UserId, u == null ? null : u.Email);
}
