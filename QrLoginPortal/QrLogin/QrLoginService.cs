using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Audit;
using QrLoginPortal.Data;

namespace QrLoginPortal.QrLogin;

/// <summary>
/// The QR login engine: creates transactions and lets a signed-in phone approve or deny them (tickets and
/// claims are <see cref="QrTicketService"/>'s, expiry and purge <see cref="QrSweeper"/>'s). Every state change is a single compare-and-set update,
/// so concurrent callers cannot both win. Knows nothing of pages or HTTP.
/// </summary>
public sealed class QrLoginService(
    IDbContextFactory<ApplicationDbContext> dbFactory,
    QrSettingsStore settingsStore,
    IApproverRoles approverRoles,
    ITransactionNotifier notifier,
    FailedAttemptLimiter limiter,
    QrCapacity capacity,
    AuditLog audit,
    TimeProvider clock,
    ILogger<QrLoginService> logger)
{
    private const int MaxSecretInputLength = 256;

    /// <summary>Creates a PENDING transaction with fresh secrets from the settings in force.</summary>
    /// <exception cref="QrLoginDisabledException">QR sign-in is switched off.</exception>
    /// <exception cref="QrAttemptsThrottledException">This address asked for too many codes.</exception>
    /// <exception cref="QrLoginBusyException">The portal holds or made as many codes as it may; try again shortly.</exception>
    public async Task<NewQrTransaction> CreateAsync(QrRequester requester, string profileId = QrLoginDefaults.ProfileId,
        CancellationToken ct = default)
    {
        // First: once stopping, the database may already be going away.
        if (ShuttingDown)
        {
            throw new QrLoginBusyException(QrCapacity.PendingRetryAfter);
        }

        var settings = await settingsStore.GetAsync(ct);
        if (!settings.Enabled)
        {
            throw new QrLoginDisabledException();
        }

        limiter.CountCreation(requester.Ip);
        await using (var counting = await dbFactory.CreateDbContextAsync(ct))
        {
            var at = clock.GetUtcNow();
            capacity.Reserve(await counting.QrTransactions.CountAsync(QrTransaction.AttemptableAt(at), ct));
        }

        // A short lsi can collide with a row still kept for its retention period: draw again.
        for (var attempt = 1; ; attempt++)
        {
            var now = clock.GetUtcNow();
            var lsi = Secrets.Generate(settings.LsiCharset, settings.LsiLength);
            var dsi = Secrets.Generate(settings.DsiCharset, settings.DsiLength);
            var transaction = new QrTransaction
            {
                Id = Guid.CreateVersion7(now),
                LsiHash = Secrets.Hash(lsi),
                DsiHash = Secrets.Hash(dsi),
                State = QrTransactionState.Pending,
                CreatedAt = now,
                UpdatedAt = now,
                ExpiresAt = now.AddSeconds(settings.ExpirySeconds),
                ProfileId = profileId,
                RequesterIp = Truncate(requester.Ip, 64),
                RequesterUserAgent = Truncate(requester.UserAgent, 512),
                BrowserBindingHash = requester.BrowserBindingHash,
            };

            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var created = new QrTransactionChanged(transaction.Id, QrTransactionState.Pending, Scanned: false, now,
                Created: new QrTransactionCreated(transaction.CreatedAt, transaction.ExpiresAt, transaction.RequesterIp, transaction.RequesterUserAgent));
            db.QrTransactions.Add(transaction);
            db.AuditEvents.Add(audit.Create(AuditTypes.QrCreate, AuditOutcomes.Success, subject: transaction.Id.ToString(),
                ip: transaction.RequesterIp, details: $"profile {profileId}, expires in {settings.ExpirySeconds}s"));
            try
            {
                await notifier.CommitChangeAsync(db, async () =>
                {
                    await db.SaveChangesAsync(ct);
                    return true;
                }, audit: null, created, ct);
            }
            catch (DbUpdateException) when (attempt < 5)
            {
                logger.LogInformation("A new lsi collided with a stored one; drawing again");
                continue;
            }

            return new NewQrTransaction(transaction.Id, lsi, dsi, transaction.CreatedAt, transaction.ExpiresAt, profileId);
        }
    }

    /// <summary>The transaction as its dsi holder may see it; null when the id is unknown or the dsi wrong (alike).</summary>
    public async Task<QrTransactionView?> GetAsync(Guid id, string? dsi, CancellationToken ct = default)
    {
        if (!IsPlausibleSecret(dsi))
        {
            return null;
        }

        var dsiHash = Secrets.Hash(dsi);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.QrTransactions.AsNoTracking()
            .Where(t => t.Id == id && t.DsiHash == dsiHash)
            .Select(t => new QrTransactionView(t.Id, t.State, t.ScannedAt != null, t.CreatedAt, t.UpdatedAt, t.ExpiresAt, t.ProfileId,
                t.State == QrTransactionState.Success ? t.UserId : null))
            .SingleOrDefaultAsync(ct);
    }

    /// <summary>
    /// The phone opened the QR link: returns what it should show, and marks the transaction scanned
    /// (once) so the browser can say "check your phone". Null when the lsi is unknown, expired or used.
    /// </summary>
    /// <exception cref="QrAttemptsThrottledException">Too many failed attempts by this user or overall.</exception>
    public async Task<ApprovalRequest?> OpenAsync(string? lsi, string userId, string? ip, CancellationToken ct = default)
    {
        var source = new AttemptSource(userId, ip);
        limiter.ThrowIfThrottled(source);
        if (!IsPlausibleSecret(lsi))
        {
            limiter.RecordFailure(source);
            return null;
        }

        var now = clock.GetUtcNow();
        var lsiHash = Secrets.Hash(lsi);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var request = await db.QrTransactions.AsNoTracking()
            .Where(t => t.LsiHash == lsiHash)
            .Where(QrTransaction.AttemptableAt(now))
            .Select(t => new { t.Id, t.RequesterIp, t.RequesterUserAgent, t.CreatedAt, t.ExpiresAt, t.ScannedAt })
            .SingleOrDefaultAsync(ct);
        if (request is null)
        {
            // A code that exists (expired, used, just taken by someone else) was not guessed: only unknown codes count.
            if (!await db.QrTransactions.AnyAsync(t => t.LsiHash == lsiHash, ct))
            {
                limiter.RecordFailure(source);
            }

            return null;
        }

        if (request.ScannedAt is null)
        {
            await notifier.CommitChangeAsync(db, async () => await db.QrTransactions
                    .Where(t => t.Id == request.Id && t.ScannedAt == null)
                    .Where(QrTransaction.AttemptableAt(now))
                    .ExecuteUpdateAsync(s => s.SetProperty(t => t.ScannedAt, now).SetProperty(t => t.UpdatedAt, now), ct) == 1,
                audit.Create(AuditTypes.QrScan, AuditOutcomes.Success, userId, request.Id.ToString(), ip),
                new QrTransactionChanged(request.Id, QrTransactionState.Pending, Scanned: true, now), ct);
        }

        return new ApprovalRequest(request.Id, request.RequesterIp, request.RequesterUserAgent, request.CreatedAt, request.ExpiresAt);
    }

    /// <summary>The signed-in <paramref name="userId"/> approves: PENDING → SUCCESS, if nobody else got there first and it has not expired.</summary>
    /// <exception cref="QrAttemptsThrottledException">Too many failed attempts by this user or overall.</exception>
    /// <param name="transactionId">When given (the API names the transaction in its path), the lsi must belong to it.</param>
    /// <param name="apiClientId">An API client approving for <paramref name="userId"/>: failures count against the client, not the user.</param>
    /// <param name="verified">The approver's passkey check, when the page made one; required when <see cref="NeedsApproverPasskeyAsync"/> says so.</param>
    public Task<AttemptResult> ApproveAsync(string? lsi, string userId, bool keepSignedIn, string? ip, string? userAgent,
        Guid? transactionId = null, string? apiClientId = null, ApproverVerification? verified = null, CancellationToken ct = default) =>
        AttemptAsync(lsi, new AttemptSource(userId, ip, apiClientId), approve: true, keepSignedIn, userAgent, expectedId: transactionId, verified, ct);

    /// <summary>The signed-in <paramref name="userId"/> says "this was not me": PENDING → FAILED.</summary>
    public Task<AttemptResult> DenyAsync(string? lsi, string userId, string? ip, string? userAgent, CancellationToken ct = default) =>
        AttemptAsync(lsi, new AttemptSource(userId, ip), approve: false, keepSignedIn: false, userAgent, expectedId: null, verified: null, ct);

    /// <summary>Whether the settings in force ask <paramref name="userId"/> for their passkey to approve (<see cref="QrSettings.NeedsApproverPasskey"/>).</summary>
    public async Task<bool> NeedsApproverPasskeyAsync(string userId, CancellationToken ct = default)
    {
        var settings = await settingsStore.GetAsync(ct);
        // The role is asked only when it matters: with the policy off, an approval costs no extra query.
        var isAdmin = settings.ApproverPasskey == ApproverPasskeyPolicy.Admins && await approverRoles.IsAdminAsync(userId, ct);
        return settings.NeedsApproverPasskey(isAdmin);
    }

    /// <summary>The browser gives up on a code (it asked for a new one): PENDING → FAILED.</summary>
    public async Task<bool> CancelAsync(Guid id, string? dsi, string? ip, CancellationToken ct = default)
    {
        if (!IsPlausibleSecret(dsi))
        {
            return false;
        }

        var now = clock.GetUtcNow();
        var dsiHash = Secrets.Hash(dsi);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await notifier.CommitChangeAsync(db,
            () => QrTransaction.TryMoveAsync(db.QrTransactions.Where(t => t.Id == id && t.DsiHash == dsiHash), QrTransactionState.Failed, now, also: null, ct),
            audit.Create(AuditTypes.QrCancel, AuditOutcomes.Success, subject: id.ToString(), ip: ip, details: "cancelled by the browser"),
            new QrTransactionChanged(id, QrTransactionState.Failed, Scanned: false, now), ct);
    }

    /// <summary>An administrator cancels a PENDING transaction (e.g. a phishing attempt): it turns FAILED and its page is told at once.</summary>
    public async Task<bool> CancelByAdminAsync(Guid id, string adminUserId, string? ip, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var cancelled = await notifier.CommitChangeAsync(db,
            () => QrTransaction.TryMoveAsync(db.QrTransactions.Where(t => t.Id == id), QrTransactionState.Failed, now, also: null, ct),
            audit.Create(AuditTypes.QrCancel, AuditOutcomes.Success, adminUserId, id.ToString(), ip, "cancelled by an administrator"),
            new QrTransactionChanged(id, QrTransactionState.Failed, Scanned: false, now, CancelledByAdmin: true), ct);
        if (!cancelled)
        {
            await audit.WriteAsync(AuditTypes.QrCancel, AuditOutcomes.Refused, adminUserId, id.ToString(), ip, "not pending any more", ct);
        }

        return cancelled;
    }

    /// <summary>True once the portal is stopping: no new codes, and pages told why their code ended.</summary>
    public bool ShuttingDown { get; private set; }

    /// <summary>
    /// The portal is stopping: every PENDING code is cancelled and its page told, so a phone can no
    /// longer approve a code whose page will never be able to claim it. No new codes from now on.
    /// With other nodes on the database, only the codes this node's pages and long polls wait on: the
    /// others belong to pages on nodes that stay.
    /// </summary>
    public async Task<int> CancelPendingForShutdownAsync(CancellationToken ct = default)
    {
        ShuttingDown = true;
        var cancelled = await CancelPendingAsync(notifier.LocalWaitsWhenShared, ct);
        await audit.WriteAsync(AuditTypes.QrCancelAll, AuditOutcomes.Success, subject: "qr-transactions",
            details: $"{Plural.Of(cancelled, "pending transaction")} cancelled: the portal is shutting down", ct: ct);
        return cancelled;
    }

    /// <summary>
    /// Every PENDING transaction → FAILED, each page told it was cancelled; returns how many. The caller audits
    /// why (an administrator stopping a phishing campaign).
    /// </summary>
    public Task<int> CancelEveryPendingAsync(CancellationToken ct = default) => CancelPendingAsync(only: null, ct);

    /// <param name="only">When given, only these transactions (those still pending).</param>
    private async Task<int> CancelPendingAsync(IReadOnlyCollection<Guid>? only, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = db.QrTransactions.AsNoTracking().Where(QrTransaction.IsPending);
        if (only is not null)
        {
            rows = rows.Where(t => only.Contains(t.Id));
        }

        var pending = await rows.Select(t => t.Id).ToListAsync(ct);
        var cancelled = 0;
        foreach (var id in pending)
        {
            if (await notifier.CommitChangeAsync(db,
                    () => QrTransaction.TryMoveAsync(db.QrTransactions.Where(t => t.Id == id), QrTransactionState.Failed, now, also: null, ct),
                    audit: null, new QrTransactionChanged(id, QrTransactionState.Failed, Scanned: false, now, CancelledByAdmin: true), ct))
            {
                cancelled++;
            }
        }

        return cancelled;
    }

    /// <summary>Removes a transaction (API clients clean up after themselves); false when it does not exist.</summary>
    public async Task<bool> DeleteAsync(Guid id, string? actor, string? ip, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var deleted = await db.QrTransactions.Where(t => t.Id == id).ExecuteDeleteAsync(ct);
        if (deleted == 1)
        {
            await audit.WriteAsync(AuditTypes.QrDelete, AuditOutcomes.Success, actor, id.ToString(), ip, ct: ct);
        }

        return deleted == 1;
    }

    private async Task<AttemptResult> AttemptAsync(string? lsi, AttemptSource source, bool approve, bool keepSignedIn,
        string? userAgent, Guid? expectedId, ApproverVerification? verified, CancellationToken ct)
    {
        var (userId, ip) = (source.UserId, source.Ip);
        var type = approve ? AuditTypes.QrApprove : AuditTypes.QrDeny;
        try
        {
            limiter.ThrowIfThrottled(source);
        }
        catch (QrAttemptsThrottledException)
        {
            await audit.WriteAsync(type, AuditOutcomes.Refused, userId, ip: ip, details: "too many failed attempts", ct: ct);
            throw;
        }

        if (!IsPlausibleSecret(lsi))
        {
            limiter.RecordFailure(source);
            await audit.WriteAsync(type, AuditOutcomes.Refused, userId, ip: ip, details: "malformed code", ct: ct);
            return AttemptResult.NotAvailable;
        }

        var now = clock.GetUtcNow();
        var lsiHash = Secrets.Hash(lsi);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var id = await db.QrTransactions.AsNoTracking().Where(t => t.LsiHash == lsiHash).Select(t => (Guid?)t.Id).SingleOrDefaultAsync(ct);
        if (expectedId is not null && id != expectedId)
        {
            // An lsi of another transaction is as good as no lsi.
            id = null;
        }

        // Checked once the code is known to be real, so a guess is still only a guess; a refusal leaves the
        // transaction PENDING (the phone may try again with its passkey) and spends nobody's budget.
        if (approve && id is { } knownId && await NeedsApproverPasskeyAsync(userId, ct)
            && (verified is null || verified.UserId != userId || verified.TransactionId != knownId))
        {
            await audit.WriteAsync(type, AuditOutcomes.Refused, userId, knownId.ToString(), ip,
                verified is null ? "approver passkey required, none verified" : "approver passkey verified for another user or sign-in", ct);
            return AttemptResult.PasskeyRequired;
        }

        var changed = false;
        if (id is { } foundId)
        {
            var approverIp = Truncate(ip, 64);
            var approverAgent = Truncate(userAgent, 512);
            changed = await notifier.CommitChangeAsync(db,
                () => QrTransaction.TryMoveAsync(db.QrTransactions.Where(t => t.Id == foundId).Where(QrTransaction.AttemptableAt(now)),
                    approve ? QrTransactionState.Success : QrTransactionState.Failed, now, s => s
                        .SetProperty(t => t.UserId, userId)
                        .SetProperty(t => t.KeepSignedIn, keepSignedIn)
                        .SetProperty(t => t.ApproverIp, approverIp)
                        .SetProperty(t => t.ApproverUserAgent, approverAgent)
                        .SetProperty(t => t.ScannedAt, t => t.ScannedAt ?? now), ct),
                audit.Create(type, AuditOutcomes.Success, userId, foundId.ToString(), ip, approve ? null : "I did not try to sign in"),
                new QrTransactionChanged(foundId, approve ? QrTransactionState.Success : QrTransactionState.Failed, Scanned: true, now,
                    UserId: userId), ct);
        }

        if (!changed)
        {
            // Only a code that matches no transaction is a guess; losing a race for a real code
            // (or presenting one that expired or was used) spends nobody's budget.
            if (id is null)
            {
                limiter.RecordFailure(source);
            }

            await audit.WriteAsync(type, AuditOutcomes.Refused, userId, id?.ToString(), ip, "unknown, expired or used code", ct);
            return AttemptResult.NotAvailable;
        }

        return approve ? AttemptResult.Approved : AttemptResult.Denied;
    }

    internal static bool IsPlausibleSecret([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= MaxSecretInputLength;

    private static string? Truncate(string? value, int max) => value is null || value.Length <= max ? value : value[..max];
}
