using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Audit;
using QrLoginPortal.Data;

namespace QrLoginPortal.Sessions;

/// <summary>The session a single sign-on token would sign a browser in to.</summary>
public sealed record SsoTokenHolder(Guid SessionId, string UserId, string Method);

/// <summary>What a person (or an admin) sees of a signed-in browser.</summary>
public sealed record SessionView(Guid Id, string UserId, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, string? Ip,
    string? UserAgent, string Method, bool Persistent, DateTimeOffset? EndedAt, string? EndedReason);

/// <summary>
/// Signed-in browsers. Every authentication cookie carries its session id; a cookie whose session
/// was ended is refused on its next request, so "sign out that browser" takes effect at once.
/// </summary>
/// <param name="signInNotices">Told of every session that starts (it mails a notice for QR sign-ins); optional for engine-only tests.</param>
/// <param name="notifier">Told of every ended session, so the open pages of that browser leave at once; optional for engine-only tests.</param>
/// <param name="checks">This node's memory of sessions found open (each end here forgets them); without it every check asks the database.</param>
public sealed class SessionStore(IDbContextFactory<ApplicationDbContext> dbFactory, AuditLog audit, TimeProvider clock,
    NewSignInNotices? signInNotices = null, ISessionNotifier? notifier = null, SessionCheckCache? checks = null)
{
    /// <summary>The claim that carries the session id inside the authentication cookie.</summary>
    public const string SessionClaim = "qrl:sid";

    private static readonly TimeSpan LastSeenGranularity = TimeSpan.FromMinutes(1);

    public async Task<Guid> StartAsync(string userId, string method, bool persistent, string? ip, string? userAgent,
        CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var session = new UserSession
        {
            Id = Guid.CreateVersion7(now),
            UserId = userId,
            CreatedAt = now,
            LastSeenAt = now,
            Ip = Truncate(ip, 64),
            UserAgent = Truncate(userAgent, 512),
            Method = Truncate(method, 32)!,
            Persistent = persistent,
        };
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.UserSessions.Add(session);
        db.AuditEvents.Add(audit.Create(AuditTypes.SignIn, AuditOutcomes.Success, userId, session.Id.ToString(), session.Ip,
            $"by {SignInMethods.Describe(session.Method)}{(persistent ? ", kept signed in" : "")}"));
        await db.SaveChangesAsync(ct);
        signInNotices?.SessionStarted(userId, session.Method, session.Ip, session.UserAgent, now);
        return session.Id;
    }

    /// <summary>Whether the session is still open for <paramref name="userId"/>; notes the time it was last seen (at most once a minute).</summary>
    /// <param name="securityStamp">When given (a bearer token carries the one it was issued with), the user's stamp must still be it.</param>
    public async Task<bool> TouchAsync(Guid sessionId, string userId, string? securityStamp = null, CancellationToken ct = default)
    {
        // Every request of a signed-in browser comes here: one found open moments ago is not asked for again.
        if (checks is not null && checks.IsKnownOpen(sessionId, userId, securityStamp))
        {
            return true;
        }

        var generation = checks?.Generation ?? 0;
        var now = clock.GetUtcNow();
        var staleBefore = now - LastSeenGranularity;
        var notLockedByAdmin = ApplicationUser.NotLockedByAdmin();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var session = await db.UserSessions.AsNoTracking()
            .Where(s => s.Id == sessionId && s.UserId == userId)
            .Select(s => new
            {
                s.EndedAt,
                s.LastSeenAt,
                // A sign-in that raced an admin's lock must not outlive it. A failed-password lockout
                // ends no session: strangers could otherwise sign anyone out with a few wrong passwords.
                Locked = !db.Users.Where(u => u.Id == userId).Any(notLockedByAdmin),
                Stamp = db.Users.Where(u => u.Id == userId).Select(u => u.SecurityStamp ?? "").FirstOrDefault(),
            })
            .SingleOrDefaultAsync(ct);
        if (session is null || session.EndedAt is not null || session.Locked)
        {
            return false;
        }

        checks?.Remember(generation, sessionId, userId, session.Stamp ?? "", now);
        if (securityStamp is not null && session.Stamp != securityStamp)
        {
            return false;
        }

        if (session.LastSeenAt < staleBefore)
        {
            await db.UserSessions.Where(s => s.Id == sessionId && s.LastSeenAt < staleBefore)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.LastSeenAt, now), ct);
        }

        return true;
    }

    /// <summary>
    /// A one-time single sign-on token for an open session: the browser holding the binding cookie
    /// whose hash is <paramref name="browserBindingHash"/> may, within <paramref name="lifetime"/>, turn
    /// it into a cookie of this same session. Stored as a hash of token and binding together, so the
    /// token alone finds nothing; a new one replaces the last.
    /// </summary>
    public async Task<string?> IssueSsoTokenAsync(Guid sessionId, TimeSpan lifetime, byte[] browserBindingHash, CancellationToken ct = default)
    {
        var token = QrLogin.Secrets.NewToken();
        var key = SsoKey(token, browserBindingHash);
        var expiresAt = clock.GetUtcNow() + lifetime;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var issued = await db.UserSessions.Where(s => s.Id == sessionId).Where(UserSession.IsOpen)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.SsoTokenHash, key).SetProperty(x => x.SsoTokenExpiresAt, expiresAt), ct);
        return issued == 1 ? token : null;
    }

    /// <summary>
    /// The open session a single sign-on token presented with this browser's binding belongs to,
    /// without spending it (the caller checks the rest first); null when unknown, another browser's,
    /// expired, used or ended (alike).
    /// </summary>
    public async Task<SsoTokenHolder?> FindSsoTokenAsync(string? token, byte[]? browserBindingHash, CancellationToken ct = default)
    {
        if (SsoKeyOrNull(token, browserBindingHash) is not { } key)
        {
            return null;
        }

        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.UserSessions.AsNoTracking()
            .Where(s => s.SsoTokenHash == key && s.SsoTokenExpiresAt > now).Where(UserSession.IsOpen)
            .Select(s => new SsoTokenHolder(s.Id, s.UserId, s.Method))
            .SingleOrDefaultAsync(ct);
    }

    /// <summary>Spends the token found by <see cref="FindSsoTokenAsync"/>, once: false when it was spent, expired or ended meanwhile.</summary>
    public async Task<bool> SpendSsoTokenAsync(string token, byte[] browserBindingHash, string? ip, CancellationToken ct = default)
    {
        if (SsoKeyOrNull(token, browserBindingHash) is not { } key)
        {
            return false;
        }

        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var session = await db.UserSessions.AsNoTracking().Where(s => s.SsoTokenHash == key)
            .Select(s => new { s.Id, s.UserId }).SingleOrDefaultAsync(ct);
        var spent = session is not null && await db.UserSessions
            .Where(s => s.Id == session.Id && s.SsoTokenHash == key && s.SsoTokenExpiresAt > now).Where(UserSession.IsOpen)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.SsoTokenHash, (byte[]?)null).SetProperty(x => x.SsoTokenExpiresAt, (DateTimeOffset?)null), ct) == 1;
        if (spent)
        {
            await audit.WriteAsync(AuditTypes.SignIn, AuditOutcomes.Success, session!.UserId, session.Id.ToString(), Truncate(ip, 64),
                "single sign-on token redeemed by the browser that started the flow", ct);
        }

        return spent;
    }

    private static byte[]? SsoKeyOrNull(string? token, byte[]? browserBindingHash) =>
        string.IsNullOrEmpty(token) || token.Length > 256 || browserBindingHash is not { Length: 32 } ? null : SsoKey(token, browserBindingHash);

    // One hash over the binding and the token's hash: finding the row needs both, so a token posted
    // by any other browser matches nothing and is not spent.
    private static byte[] SsoKey(string token, byte[] browserBindingHash) =>
        System.Security.Cryptography.SHA256.HashData([.. browserBindingHash, .. QrLogin.Secrets.Hash(token)]);

    /// <summary>Forgets this node's remembered checks of <paramref name="userId"/>'s sessions (the user changed).</summary>
    public void ForgetChecks(string userId) => checks?.Forget(userId);

    /// <summary>
    /// Whether the session is open, asked of this node's remembered checks first: found open moments ago and not ended
    /// since (every end forgets it). For what a page does on its own (a new circuit's check, the periodic revalidation);
    /// an admin action or ending a browser asks the database (<see cref="IsActiveAsync"/>).
    /// </summary>
    public Task<bool> IsActiveOrRecentlyCheckedAsync(Guid sessionId, string userId, CancellationToken ct = default) =>
        checks is not null && checks.IsKnownOpen(sessionId, userId, null) ? Task.FromResult(true) : IsActiveAsync(sessionId, userId, ct);

    /// <summary>Whether the session is open, asked of the database.</summary>
    public async Task<bool> IsActiveAsync(Guid sessionId, string userId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.UserSessions.Where(s => s.Id == sessionId && s.UserId == userId).AnyAsync(UserSession.IsOpen, ct);
    }

    /// <summary>How many browsers <paramref name="userId"/> is signed in on: what a lock would sign out.</summary>
    public async Task<int> CountActiveAsync(string userId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.UserSessions.Where(s => s.UserId == userId).CountAsync(UserSession.IsOpen, ct);
    }

    /// <summary>Ends one session of <paramref name="userId"/>; false when it is not theirs or already ended.</summary>
    public async Task<bool> EndAsync(Guid sessionId, string userId, string reason, string? actorUserId, string? ip,
        SessionEndCause cause = SessionEndCause.SignedOut, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await CommitEndedAsync(db,
            async () => await db.UserSessions
                .Where(s => s.Id == sessionId && s.UserId == userId).Where(UserSession.IsOpen)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, now).SetProperty(x => x.EndedReason, reason), ct),
            _ => audit.Create(AuditTypes.SessionEnd, AuditOutcomes.Success, actorUserId, sessionId.ToString(), ip, $"{reason} (user {userId})"),
            [new SessionsEnded(userId, sessionId, cause)], ct) == 1;
    }

    /// <summary>Ends every open session of <paramref name="userId"/> (lock, password reset by an admin, …).</summary>
    public async Task<int> EndAllAsync(string userId, string reason, string? actorUserId, string? ip,
        SessionEndCause cause = SessionEndCause.SignedOut, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await CommitEndedAsync(db,
            async () => await db.UserSessions
                .Where(s => s.UserId == userId).Where(UserSession.IsOpen)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, now).SetProperty(x => x.EndedReason, reason), ct),
            ended => audit.Create(AuditTypes.SessionEnd, AuditOutcomes.Success, actorUserId, userId, ip, $"{reason}: {Plural.Of(ended, "session")} ended"),
            [new SessionsEnded(userId, null, cause)], ct);
    }

    /// <summary>
    /// "Sign out all other browsers": ends every open session of <paramref name="userId"/> but <paramref name="keepSessionId"/>,
    /// each one told by id so the pages of the browser that asked stay. Returns how many ended.
    /// </summary>
    public async Task<int> EndAllOthersAsync(string userId, Guid keepSessionId, string reason, string? ip, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var others = await db.UserSessions.AsNoTracking()
            .Where(s => s.UserId == userId && s.Id != keepSessionId).Where(UserSession.IsOpen)
            .Select(s => s.Id).ToListAsync(ct);
        if (others.Count == 0)
        {
            return 0;
        }

        // Only the sessions listed (and still open): one that starts meanwhile was not "another browser" when asked.
        var ended = await CommitEndedAsync(db,
            async () => await db.UserSessions
                .Where(s => others.Contains(s.Id)).Where(UserSession.IsOpen)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, now).SetProperty(x => x.EndedReason, reason), ct),
            ended => audit.Create(AuditTypes.SessionEnd, AuditOutcomes.Success, userId, userId, Truncate(ip, 64),
                $"{reason}: {Plural.Of(ended, "session")} ended, session {keepSessionId} kept"),
            [.. others.Select(id => new SessionsEnded(userId, id, SessionEndCause.SignedOut))], ct);
        if (ended == 0)
        {
            // They ended meanwhile by other hands; the audit says that this request ended none.
            await audit.WriteAsync(AuditTypes.SessionEnd, AuditOutcomes.Success, userId, userId, Truncate(ip, 64),
                $"{reason}: 0 sessions ended, session {keepSessionId} kept", ct);
        }

        return ended;
    }

    /// <summary>
    /// Ends sessions with <paramref name="end"/> (returns how many), and when any ended commits its audit
    /// event and the announcement to the other nodes in the same database transaction; then tells this
    /// node's pages. A committed sign-out is thus always audited and heard by every node.
    /// </summary>
    private async Task<int> CommitEndedAsync(ApplicationDbContext db, Func<Task<int>> end, Func<int, AuditEvent> auditOf,
        IReadOnlyList<SessionsEnded> told, CancellationToken ct)
    {
        int ended;
        db.Database.AutoSavepointsEnabled = false;
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            ended = await end();
            if (ended == 0)
            {
                return 0;
            }

            db.AuditEvents.Add(auditOf(ended));
            await db.SaveChangesAsync(ct);
            if (notifier is not null)
            {
                foreach (var ending in told)
                {
                    await notifier.AnnounceAsync(db, ending, ct);
                }
            }

            await transaction.CommitAsync(ct);
        }

        // Before returning: the next request of an ended session, here, is refused.
        foreach (var user in told.Select(t => t.UserId).Distinct(StringComparer.Ordinal))
        {
            checks?.Forget(user);
        }

        if (notifier is not null)
        {
            foreach (var ending in told)
            {
                await notifier.PublishAsync(ending);
            }
        }

        return ended;
    }

    /// <summary>The user's sessions, open ones first, then the most recent ended ones.</summary>
    public async Task<IReadOnlyList<SessionView>> ListAsync(string userId, int recentEnded = 10, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var open = await db.UserSessions.AsNoTracking()
            .Where(s => s.UserId == userId).Where(UserSession.IsOpen)
            .OrderByDescending(s => s.CreatedAt)
            .Select(s => ToView(s))
            .ToListAsync(ct);
        var ended = await db.UserSessions.AsNoTracking()
            .Where(s => s.UserId == userId && s.EndedAt != null)
            .OrderByDescending(s => s.CreatedAt)
            .Take(recentEnded)
            .Select(s => ToView(s))
            .ToListAsync(ct);
        return [.. open, .. ended];
    }

    private static SessionView ToView(UserSession s) =>
        new(s.Id, s.UserId, s.CreatedAt, s.LastSeenAt, s.Ip, s.UserAgent, s.Method, s.Persistent, s.EndedAt, s.EndedReason);

    private static string? Truncate(string? value, int max) => value is null || value.Length <= max ? value : value[..max];
}
