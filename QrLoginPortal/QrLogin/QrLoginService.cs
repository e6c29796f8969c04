using System.Security.Cryptography;
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
    ILogger<QrLoginService> logger,
    UserCodeKey? userCodeKey = null) : IDisposable
{
    private const int MaxSecretInputLength = 256;

    // Engines wired by hand (tests, benchmarks) hash typed codes with a key of their own.
    private readonly UserCodeKey _userCodeKey = userCodeKey ?? UserCodeKey.ForThisProcess();

    private readonly QrCreationWriter _creations = new(dbFactory, notifier);

    // The pending count, the phone's scan and its answer run on contexts whose connections stay open (issue 16).
    private readonly OpenContexts _contexts = new(dbFactory);

    /// <summary>Creates waiting for the commit under way to end, to go in the next one together (for tests).</summary>
    internal int CreatesWaitingForCommit => _creations.Waiting;

    /// <summary>Closes the connections the engine keeps open (the container disposes the engine at shutdown).</summary>
    public void Dispose()
    {
        _creations.Dispose();
        _contexts.Dispose();
    }

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
        await capacity.ReserveAsync(async token =>
        {
            await using var counting = await _contexts.RentAsync(token);
            return await counting.Db.QrTransactions.CountAsync(QrTransaction.AttemptableAt(clock.GetUtcNow()), token);
        }, ct);

        // A short lsi can collide with a row still kept for its retention period: draw again.
        for (var attempt = 1; ; attempt++)
        {
            var now = clock.GetUtcNow();
            var lsi = Secrets.Generate(settings.LsiCharset, settings.LsiLength);
            var dsi = Secrets.Generate(settings.DsiCharset, settings.DsiLength);
            var userCode = requester.SignInPage && UserCodesAvailable(settings) ? UserCodes.Generate() : null;
            var choices = requester.SignInPage && settings.NumberMatching ? NumberChoices() : null;
            // Made now, so the approval's push needs no write before the page can hand it over; only the approval's
            // own update makes it redeemable (TicketExpiresAt), and only a browser holding the binding cookie can redeem it.
            var ticket = requester.BrowserBindingHash is null ? null : Secrets.NewToken();
            var transaction = new QrTransaction
            {
                Id = Guid.CreateVersion7(now),
                LsiHash = Secrets.Hash(lsi),
                DsiHash = Secrets.Hash(dsi),
                UserCodeHash = userCode is null ? null : _userCodeKey.Hash(userCode),
                MatchNumber = choices?[0],
                MatchChoices = choices is null ? null : QrTransaction.FormatChoices(choices),
                State = QrTransactionState.Pending,
                CreatedAt = now,
                UpdatedAt = now,
                ExpiresAt = now.AddSeconds(settings.ExpirySeconds),
                ProfileId = profileId,
                RequesterIp = Truncate(requester.Ip, 64),
                RequesterUserAgent = Truncate(requester.UserAgent, 512),
                BrowserBindingHash = requester.BrowserBindingHash,
                TicketHash = ticket is null ? null : Secrets.Hash(ticket),
            };

            var created = new QrTransactionChanged(transaction.Id, QrTransactionState.Pending, Scanned: false, now,
                Created: new QrTransactionCreated(transaction.CreatedAt, transaction.ExpiresAt, transaction.RequesterIp, transaction.RequesterUserAgent));
            try
            {
                // Committed with its audit row (and with other creates arriving meanwhile) before this returns.
                await _creations.WriteAsync(transaction, audit.Create(AuditTypes.QrCreate, AuditOutcomes.Success, subject: transaction.Id.ToString(),
                    ip: transaction.RequesterIp, details: $"profile {profileId}, expires in {settings.ExpirySeconds}s"), created);
            }
            catch (DbUpdateException) when (attempt < 5)
            {
                logger.LogInformation("A new lsi or typed code collided with a stored one; drawing again");
                continue;
            }

            return new NewQrTransaction(transaction.Id, lsi, dsi, transaction.CreatedAt, transaction.ExpiresAt, profileId, userCode, choices?[0],
                ticket);
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
    public Task<ApprovalRequest?> OpenAsync(string? lsi, string userId, string? ip, CancellationToken ct = default) =>
        OpenAsync(lsi, typed: false, userId, ip, ct);

    /// <summary>
    /// As <see cref="OpenAsync(string?, string, string?, CancellationToken)"/>, with the code typed instead of scanned
    /// (<see cref="UserCodes"/>: case, spaces and the hyphen do not matter): the same budgets, and every miss audited.
    /// </summary>
    /// <exception cref="QrAttemptsThrottledException">Too many failed attempts by this user or overall.</exception>
    /// <exception cref="UserCodesDisabledException">Typed codes are switched off.</exception>
    public Task<ApprovalRequest?> OpenByUserCodeAsync(string? userCode, string userId, string? ip, CancellationToken ct = default) =>
        OpenAsync(userCode, typed: true, userId, ip, ct);

    /// <summary>Whether sign-in pages show a code to type and phones may type one: the admin switch, and a key every node shares.</summary>
    public async Task<bool> UserCodesAvailableAsync(CancellationToken ct = default) => UserCodesAvailable(await settingsStore.GetAsync(ct));

    private bool UserCodesAvailable(QrSettings settings) => settings.UserCodeEnabled && _userCodeKey.Shared;

    private async Task<ApprovalRequest?> OpenAsync(string? code, bool typed, string userId, string? ip, CancellationToken ct)
    {
        var source = new AttemptSource(userId, ip);
        if (typed)
        {
            await ThrowIfUserCodesOffAsync(AuditTypes.QrScan, userId, ip, ct);
        }

        limiter.ThrowIfThrottled(source);
        if (ParseCode(code, typed) is not { } phoneCode)
        {
            limiter.RecordFailure(source);
            if (typed)
            {
                await audit.WriteAsync(AuditTypes.QrScan, AuditOutcomes.Refused, userId, ip: ip, details: "malformed typed code", ct: ct);
            }

            return null;
        }

        var now = clock.GetUtcNow();
        // One open connection for the look-ups and the change, kept open for the next operation.
        await using var lease = await _contexts.RentAsync(ct);
        var db = lease.Db;
        var commands = QrTransactionCommands.For(db);
        var byCode = new Dictionary<string, object?> { ["code"] = phoneCode.Hash, ["now"] = now };
        var request = await (phoneCode.Typed ? commands.FindAttemptableByUserCode : commands.FindAttemptableByLsi).SingleOrDefaultAsync(db, byCode,
            row => new Shown(row.Get<Guid>(0), row.Get<string>(1), row.Get<string>(2), row.Get<DateTimeOffset>(3), row.Get<DateTimeOffset>(4),
                row.GetNullable<DateTimeOffset>(5), row.Get<string>(6)), ct);
        if (request is null)
        {
            // A code that exists (expired, used, just taken by someone else) was not guessed: only unknown codes count.
            if (await (phoneCode.Typed ? commands.FindByUserCode : commands.FindByLsi).SingleOrDefaultAsync(db, byCode,
                    row => new FoundCode(row.Get<Guid>(0), row.GetNullable<int>(1)), ct) is null)
            {
                limiter.RecordFailure(source);
            }

            if (typed)
            {
                // A typed code is the one a person can be talked into reading out, or a guesser tries: every miss is on record.
                await audit.WriteAsync(AuditTypes.QrScan, AuditOutcomes.Refused, userId, ip: ip, details: "unknown, expired or used typed code", ct: ct);
            }

            return null;
        }

        if (request.ScannedAt is null)
        {
            await notifier.CommitChangeAsync(db, async () => await commands.MarkScanned.ExecuteAsync(db,
                    new Dictionary<string, object?> { ["id"] = request.Id, ["now"] = now }, ct) == 1,
                audit.Create(AuditTypes.QrScan, AuditOutcomes.Success, userId, request.Id.ToString(), ip, typed ? TypedNote : null),
                new QrTransactionChanged(request.Id, QrTransactionState.Pending, Scanned: true, now), ct);
        }

        return new ApprovalRequest(request.Id, request.RequesterIp, request.RequesterUserAgent, request.CreatedAt, request.ExpiresAt,
            QrTransaction.ParseChoices(request.MatchChoices));
    }

    /// <summary>Two-digit numbers the sign-in page may show (10–99): always two digits on the screen.</summary>
    private const int MatchNumberFrom = 10, MatchNumberTo = 100;

    /// <summary>
    /// The right number first, then two others, all distinct. Drawn once with the transaction and stored in a
    /// shuffled order: a page opened twice shows the same three in the same order, so the one that stays does not
    /// give the right one away, and the order says nothing either.
    /// </summary>
    private static int[] NumberChoices()
    {
        var choices = new int[3];
        for (var i = 0; i < choices.Length; i++)
        {
            do
            {
                choices[i] = RandomNumberGenerator.GetInt32(MatchNumberFrom, MatchNumberTo);
            }
            while (Array.IndexOf(choices, choices[i], 0, i) >= 0);
        }

        return choices;
    }

    /// <summary>The signed-in <paramref name="userId"/> approves: PENDING → SUCCESS, if nobody else got there first and it has not expired.</summary>
    /// <exception cref="QrAttemptsThrottledException">Too many failed attempts by this user or overall.</exception>
    /// <param name="transactionId">When given (the API names the transaction in its path), the lsi must belong to it.</param>
    /// <param name="apiClientId">An API client approving for <paramref name="userId"/>: failures count against the client, not the user.</param>
    /// <param name="pickedNumber">
    /// With number matching, the number the person picked on the phone: the right one approves, another denies the
    /// transaction as suspected phishing (<see cref="AttemptResult.WrongNumber"/>), none leaves it pending.
    /// </param>
    /// <param name="verified">The approver's passkey check, when the page made one; required when <see cref="NeedsApproverPasskeyAsync"/> says so.</param>
    public Task<AttemptResult> ApproveAsync(string? lsi, string userId, bool keepSignedIn, string? ip, string? userAgent,
        Guid? transactionId = null, string? apiClientId = null, int? pickedNumber = null, ApproverVerification? verified = null,
        CancellationToken ct = default) =>
        AttemptAsync(lsi, typed: false, new AttemptSource(userId, ip, apiClientId), approve: true, keepSignedIn, userAgent, expectedId: transactionId,
            pickedNumber, verified, ct);

    /// <summary>The signed-in <paramref name="userId"/> says "this was not me": PENDING → FAILED.</summary>
    public Task<AttemptResult> DenyAsync(string? lsi, string userId, string? ip, string? userAgent, CancellationToken ct = default) =>
        AttemptAsync(lsi, typed: false, new AttemptSource(userId, ip), approve: false, keepSignedIn: false, userAgent, expectedId: null, null, null, ct);

    /// <summary>As <see cref="ApproveAsync"/>, with the code the person typed (<see cref="UserCodes"/>) instead of the lsi.</summary>
    /// <exception cref="QrAttemptsThrottledException">Too many failed attempts by this user or overall.</exception>
    /// <exception cref="UserCodesDisabledException">Typed codes are switched off.</exception>
    public Task<AttemptResult> ApproveByUserCodeAsync(string? userCode, string userId, bool keepSignedIn, string? ip, string? userAgent,
        int? pickedNumber = null, ApproverVerification? verified = null, CancellationToken ct = default) =>
        AttemptAsync(userCode, typed: true, new AttemptSource(userId, ip), approve: true, keepSignedIn, userAgent, expectedId: null, pickedNumber,
            verified, ct);

    /// <summary>As <see cref="DenyAsync"/>, with the code the person typed instead of the lsi.</summary>
    /// <exception cref="UserCodesDisabledException">Typed codes are switched off.</exception>
    public Task<AttemptResult> DenyByUserCodeAsync(string? userCode, string userId, string? ip, string? userAgent, CancellationToken ct = default) =>
        AttemptAsync(userCode, typed: true, new AttemptSource(userId, ip), approve: false, keepSignedIn: false, userAgent, expectedId: null, null, null, ct);

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

    private async Task<AttemptResult> AttemptAsync(string? code, bool typed, AttemptSource source, bool approve, bool keepSignedIn,
        string? userAgent, Guid? expectedId, int? pickedNumber, ApproverVerification? verified, CancellationToken ct)
    {
        var (userId, ip) = (source.UserId, source.Ip);
        var type = approve ? AuditTypes.QrApprove : AuditTypes.QrDeny;
        if (typed)
        {
            await ThrowIfUserCodesOffAsync(type, userId, ip, ct);
        }

        try
        {
            limiter.ThrowIfThrottled(source);
        }
        catch (QrAttemptsThrottledException)
        {
            await audit.WriteAsync(type, AuditOutcomes.Refused, userId, ip: ip, details: "too many failed attempts", ct: ct);
            throw;
        }

        if (ParseCode(code, typed) is not { } phoneCode)
        {
            limiter.RecordFailure(source);
            await audit.WriteAsync(type, AuditOutcomes.Refused, userId, ip: ip, details: typed ? "malformed typed code" : "malformed code", ct: ct);
            return AttemptResult.NotAvailable;
        }

        var now = clock.GetUtcNow();
        // One open connection for the look-up and the change, kept open for the next operation.
        await using var lease = await _contexts.RentAsync(ct);
        var db = lease.Db;
        var commands = QrTransactionCommands.For(db);
        var found = await (phoneCode.Typed ? commands.FindByUserCode : commands.FindByLsi).SingleOrDefaultAsync(db,
            new Dictionary<string, object?> { ["code"] = phoneCode.Hash }, row => new FoundCode(row.Get<Guid>(0), row.GetNullable<int>(1)), ct);
        var id = found?.Id;
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

        if (approve && id is { } matchedId && found!.MatchNumber is { } shown && pickedNumber != shown)
        {
            return await WrongNumberAsync(db, matchedId, pickedNumber, userId, ip, userAgent, typed, now, ct);
        }

        var changed = false;
        if (id is { } foundId)
        {
            var approverIp = Truncate(ip, 64);
            var approverAgent = Truncate(userAgent, 512);
            // The ticket made with the code counts its 30 s from this approval, in the same update.
            DateTimeOffset? ticketExpiry = approve ? now + QrLoginDefaults.TicketLifetime : null;
            var answer = new Dictionary<string, object?>
            {
                ["id"] = foundId,
                ["now"] = now,
                ["to"] = approve ? QrTransactionState.Success : QrTransactionState.Failed,
                ["user"] = userId,
                ["keep"] = keepSignedIn,
                ["ip"] = approverIp,
                ["agent"] = approverAgent,
                ["ticketExpiry"] = ticketExpiry,
            };
            changed = await notifier.CommitChangeAsync(db, async () => await commands.Answer.ExecuteAsync(db, answer, ct) == 1,
                audit.Create(type, AuditOutcomes.Success, userId, foundId.ToString(), ip, (approve, typed) switch
                {
                    (true, false) => null,
                    (true, true) => TypedNote,
                    (false, false) => "I did not try to sign in",
                    (false, true) => $"I did not try to sign in ({TypedNote})",
                }),
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

            await audit.WriteAsync(type, AuditOutcomes.Refused, userId, id?.ToString(), ip,
                typed ? "unknown, expired or used typed code" : "unknown, expired or used code", ct);
            return AttemptResult.NotAvailable;
        }

        return approve ? AttemptResult.Approved : AttemptResult.Denied;
    }

    /// <summary>
    /// An approval of a number-matched transaction without the number the sign-in page shows. No number (an API client,
    /// an old page) approves nothing and leaves it pending; a wrong one is what a person does who never saw that page:
    /// someone relayed its code to them. The transaction is denied then, so the relayed code is spent, and audited as
    /// suspected phishing. Neither is a guessed code: no budget is spent.
    /// </summary>
    private async Task<AttemptResult> WrongNumberAsync(ApplicationDbContext db, Guid id, int? picked, string userId, string? ip,
        string? userAgent, bool typed, DateTimeOffset now, CancellationToken ct)
    {
        if (picked is null)
        {
            await audit.WriteAsync(AuditTypes.QrApprove, AuditOutcomes.Refused, userId, id.ToString(), ip, "number matching is on and no number was picked", ct);
            return AttemptResult.NotAvailable;
        }

        var approverIp = Truncate(ip, 64);
        var approverAgent = Truncate(userAgent, 512);
        var denied = await notifier.CommitChangeAsync(db,
            () => QrTransaction.TryMoveAsync(db.QrTransactions.Where(t => t.Id == id).Where(QrTransaction.AttemptableAt(now)),
                QrTransactionState.Failed, now, s => s
                    .SetProperty(t => t.UserId, userId)
                    .SetProperty(t => t.ApproverIp, approverIp)
                    .SetProperty(t => t.ApproverUserAgent, approverAgent)
                    .SetProperty(t => t.ScannedAt, t => t.ScannedAt ?? now), ct),
            audit.Create(AuditTypes.QrSuspectedPhishing, AuditOutcomes.Success, userId, id.ToString(), ip,
                $"picked {picked}, not the number the sign-in page showed: denied{(typed ? $" ({TypedNote})" : "")}"),
            new QrTransactionChanged(id, QrTransactionState.Failed, Scanned: true, now, UserId: userId, WrongNumber: true), ct);
        if (!denied)
        {
            await audit.WriteAsync(AuditTypes.QrApprove, AuditOutcomes.Refused, userId, id.ToString(), ip, "expired or used code", ct);
            return AttemptResult.NotAvailable;
        }

        return AttemptResult.WrongNumber;
    }

    private const string TypedNote = "typed code";

    private async Task ThrowIfUserCodesOffAsync(string auditType, string userId, string? ip, CancellationToken ct)
    {
        if (!await UserCodesAvailableAsync(ct))
        {
            await audit.WriteAsync(auditType, AuditOutcomes.Refused, userId, ip: ip, details: "typed codes are switched off", ct: ct);
            throw new UserCodesDisabledException();
        }
    }

    /// <summary>The code as the hash it is stored under: the lsi from the QR, or the code typed instead. Null for what cannot be a code.</summary>
    private PhoneCode? ParseCode(string? code, bool typed) => typed
        ? UserCodes.Normalize(code) is { } userCode ? new PhoneCode(_userCodeKey.Hash(userCode), Typed: true) : null
        : IsPlausibleSecret(code) ? new PhoneCode(Secrets.Hash(code), Typed: false) : null;

    private sealed record FoundCode(Guid Id, int? MatchNumber);

    /// <summary>What the phone's page shows of a transaction it may answer (<see cref="QrTransactionCommands.ShownToThePhone"/>).</summary>
    private sealed record Shown(Guid Id, string? RequesterIp, string? RequesterUserAgent, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt,
        DateTimeOffset? ScannedAt, string? MatchChoices);

    private readonly record struct PhoneCode(byte[] Hash, bool Typed);

    internal static bool IsPlausibleSecret([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= MaxSecretInputLength;

    private static string? Truncate(string? value, int max) => value is null || value.Length <= max ? value : value[..max];
}
