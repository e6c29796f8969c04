using System.Collections.Concurrent;
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
    /// <summary>What happened to it, in the words every admin screen uses.</summary>
    public QrOutcome Outcome => QrOutcomes.Of(State, Scanned, UserId);

    /// <summary>From showing the code to the approval; null unless approved.</summary>
    public TimeSpan? TimeToApprove => State == QrTransactionState.Success ? UpdatedAt - CreatedAt : null;
}

public sealed record TransactionFilter(QrOutcome? Outcome = null, string? User = null);

/// <summary>
/// The codes shown in the last 24 hours and what became of each, so the parts always add up to
/// <see cref="Created"/> (a code shown yesterday and answered today is not counted today).
/// </summary>
public sealed record DashboardFigures(
    int Created,
    int Approved,
    int Denied,
    int Cancelled,
    int Expired,
    int Pending,
    TimeSpan? MedianTimeToApprove,
    IReadOnlyList<HourlyCount> Hours);

public sealed record HourlyCount(DateTimeOffset Hour, int Created, int Approved);

/// <summary>Reads and acts on QR transactions for administrators; every action is checked by <see cref="AdminGuard"/>.</summary>
public sealed class TransactionMonitor(
    IDbContextFactory<ApplicationDbContext> dbFactory,
    QrLoginService qrLogin,
    QrSettingsStore settings,
    AdminGuard guard,
    AuditLog audit,
    TimeProvider clock)
{
    public async Task<IReadOnlyList<TransactionRow>> ListAsync(TransactionFilter filter, int take = 200, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = Joined(db);
        if (filter.Outcome is { } outcome)
        {
            var ids = db.QrTransactions.Where(QrOutcomes.Is(outcome)).Select(t => t.Id);
            query = query.Where(r => ids.Contains(r.T.Id));
        }

        if (!string.IsNullOrWhiteSpace(filter.User))
        {
            var user = filter.User.Trim().ToUpperInvariant();
            query = query.Where(r => r.U != null && r.U.NormalizedEmail!.Contains(user));
        }

        var rows = await query.OrderByDescending(r => r.T.CreatedAt).Take(take).Select(r => ToRow(r.T, r.U)).ToListAsync(ct);
        foreach (var row in rows.Where(r => r.UserId is not null))
        {
            _emails[row.UserId!] = new Lazy<Task<string?>>(Task.FromResult(row.UserEmail));
        }

        return rows;
    }

    public async Task<TransactionRow?> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await Joined(db).Where(r => r.T.Id == id).Select(r => ToRow(r.T, r.U)).SingleOrDefaultAsync(ct);
    }

    /// <summary>
    /// A live table's row after <paramref name="change"/>, from the push itself: a row the table shows, or a new
    /// code, costs no query (every open admin page would otherwise read the transaction on every push). Only a
    /// code the table does not show yet (older than its first page) is read; an approver's email is read once
    /// per user for all pages. A push older than the row, or one that would take a finished code back to
    /// pending (pushes can arrive out of order), changes nothing.
    /// </summary>
    public async Task<TransactionRow?> MergeAsync(TransactionRow? shown, QrTransactionChanged change, CancellationToken ct = default)
    {
        if (shown is null)
        {
            return change.Created is { } c
                ? new TransactionRow(change.Id, c.CreatedAt, change.At, c.ExpiresAt, change.State, change.Scanned, c.RequesterIp,
                    c.RequesterUserAgent, change.UserId, await EmailOfAsync(change.UserId, ct))
                : await GetAsync(change.Id, ct);
        }

        if (change.At < shown.UpdatedAt || (shown.State != QrTransactionState.Pending && change.State == QrTransactionState.Pending))
        {
            return shown;
        }

        var userId = change.UserId ?? shown.UserId;
        return shown with
        {
            State = change.State,
            Scanned = shown.Scanned || change.Scanned,
            UpdatedAt = change.At,
            UserId = userId,
            UserEmail = userId == shown.UserId ? shown.UserEmail : await EmailOfAsync(userId, ct),
        };
    }

    // Emails of approvers, shared by every open live table: a user's is read once, not once per page and push.
    private readonly ConcurrentDictionary<string, Lazy<Task<string?>>> _emails = new(StringComparer.Ordinal);

    private async Task<string?> EmailOfAsync(string? userId, CancellationToken ct)
    {
        if (userId is null)
        {
            return null;
        }

        var lookup = _emails.GetOrAdd(userId, id => new Lazy<Task<string?>>(async () =>
        {
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            return await db.Users.AsNoTracking().Where(u => u.Id == id).Select(u => u.Email).SingleOrDefaultAsync();
        }));
        try
        {
            return await lookup.Value.WaitAsync(ct);
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            // A failed read is not remembered: the next push asks again.
            _emails.TryRemove(new KeyValuePair<string, Lazy<Task<string?>>>(userId, lookup));
            throw;
        }
    }

    public async Task<bool> CancelAsync(AdminActor actor, Guid id, CancellationToken ct = default)
    {
        await guard.EnsureAsync(actor, ct);
        return await qrLogin.CancelByAdminAsync(id, actor.UserId!, actor.Ip, ct);
    }

    /// <summary>How many codes are PENDING: what <see cref="StopAllAsync"/> would cancel now.</summary>
    public async Task<int> CountPendingAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.QrTransactions.CountAsync(QrTransaction.IsPending, ct);
    }

    /// <summary>For an active phishing campaign: cancels every pending code and switches QR sign-in off until re-enabled.</summary>
    public async Task<int> StopAllAsync(AdminActor actor, CancellationToken ct = default)
    {
        await guard.EnsureAsync(actor, ct);
        var current = await settings.GetAsync(ct);
        current.Enabled = false;
        var errors = await settings.UpdateAsync(current, actor.UserId, actor.Name, actor.Ip, note: "stop all pending", auditType: AuditTypes.QrStopAll, ct: ct);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"QR sign-in could not be switched off: {string.Join(" ", errors.Values)}");
        }

        var cancelled = await qrLogin.CancelEveryPendingAsync(ct);
        await audit.WriteAsync(AuditTypes.QrCancelAll, AuditOutcomes.Success, actor.UserId, "qr-transactions", actor.Ip,
            $"{Plural.Of(cancelled, "pending transaction")} cancelled", ct);
        return cancelled;
    }

    public async Task ResumeAsync(AdminActor actor, CancellationToken ct = default)
    {
        await guard.EnsureAsync(actor, ct);
        var current = await settings.GetAsync(ct);
        current.Enabled = true;
        var errors = await settings.UpdateAsync(current, actor.UserId, actor.Name, actor.Ip, note: "QR sign-in re-enabled", ct: ct);
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
        // From the codes themselves (kept for QrLogin:Retention, one day by default), not from audit
        // events of the window: an answer today to a code shown yesterday would not add up.
        var codes = await db.QrTransactions.AsNoTracking()
            .Where(t => t.CreatedAt >= since)
            .Select(t => new { t.State, Scanned = t.ScannedAt != null, t.UserId, t.CreatedAt, t.UpdatedAt })
            .ToListAsync(ct);
        var outcomes = codes.Select(c => (c.CreatedAt, c.UpdatedAt, Outcome: QrOutcomes.Of(c.State, c.Scanned, c.UserId))).ToList();
        int Count(params QrOutcome[] wanted) => outcomes.Count(o => wanted.Contains(o.Outcome));

        var durations = outcomes.Where(o => o.Outcome == QrOutcome.Approved).Select(o => o.UpdatedAt - o.CreatedAt).Order().ToList();
        TimeSpan? median = durations.Count == 0 ? null
            : durations.Count % 2 == 1 ? durations[durations.Count / 2]
            : (durations[durations.Count / 2 - 1] + durations[durations.Count / 2]) / 2;

        var firstHour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(-23);
        var hours = Enumerable.Range(0, 24).Select(i => firstHour.AddHours(i)).Select(hour => new HourlyCount(hour,
            outcomes.Count(o => o.CreatedAt >= hour && o.CreatedAt < hour.AddHours(1)),
            outcomes.Count(o => o.Outcome == QrOutcome.Approved && o.CreatedAt >= hour && o.CreatedAt < hour.AddHours(1)))).ToList();

        return new DashboardFigures(
            outcomes.Count,
            Count(QrOutcome.Approved),
            Count(QrOutcome.Denied),
            Count(QrOutcome.Cancelled),
            Count(QrOutcome.Expired),
            Count(QrOutcome.Pending, QrOutcome.Scanned),
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
