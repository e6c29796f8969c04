using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Audit;
using QrLoginPortal.Data;

namespace QrLoginPortal.QrLogin;

/// <summary>
/// Turns an approval into a sign-in, once: a one-time ticket for the browser that started the flow, or a
/// claim by the API client holding the dsi. Each is a single compare-and-set update. Knows nothing of HTTP.
/// </summary>
public sealed class QrTicketService(
    IDbContextFactory<ApplicationDbContext> dbFactory,
    QrSettingsStore settingsStore,
    AuditLog audit,
    TimeProvider clock) : IDisposable
{
    // Tickets are issued and redeemed on contexts whose connections stay open (issue 16).
    private readonly OpenContexts _contexts = new(dbFactory);

    /// <summary>Closes the connections kept open (the container disposes the service at shutdown).</summary>
    public void Dispose() => _contexts.Dispose();

    /// <summary>
    /// For the browser holding the dsi of an approved, unconsumed transaction: a one-time ticket that
    /// an HTTP endpoint exchanges for the authentication cookie. A new ticket replaces the previous one.
    /// </summary>
    public async Task<string?> IssueTicketAsync(Guid id, string? dsi, CancellationToken ct = default)
    {
        if (!QrLoginService.IsPlausibleSecret(dsi))
        {
            return null;
        }

        // "Stop all pending" switches QR sign-in off: an approval not yet turned into a cookie is stopped too.
        if (!(await settingsStore.GetAsync(ct)).Enabled)
        {
            return null;
        }

        var now = clock.GetUtcNow();
        var dsiHash = Secrets.Hash(dsi);
        var ticket = Secrets.NewToken();
        var ticketHash = Secrets.Hash(ticket);
        var ticketExpiry = now + QrLoginDefaults.TicketLifetime;
        await using var lease = await _contexts.RentAsync(ct);
        var db = lease.Db;
        var issued = await QrTransactionCommands.For(db).IssueTicket.ExecuteAsync(db, new Dictionary<string, object?>
        {
            ["id"] = id,
            ["dsi"] = dsiHash,
            ["ticket"] = ticketHash,
            ["ticketExpiry"] = ticketExpiry,
        }, ct);
        return issued == 1 ? ticket : null;
    }

    /// <summary>
    /// For the sign-in page that made <paramref name="created"/> and was just told it is approved: the ticket made with the
    /// code, with no database round trip (issue 16; the approval's own update made it redeemable). Redemption checks
    /// every rule again (approved, unused, unexpired, this browser). Null when QR sign-in was switched off since, as
    /// <see cref="IssueTicketAsync"/> answers; a code made without a ticket gets one issued.
    /// </summary>
    public async Task<string?> TicketOnApprovalAsync(NewQrTransaction created, CancellationToken ct = default)
    {
        if (created.Ticket is null)
        {
            return await IssueTicketAsync(created.Id, created.Dsi, ct);
        }

        // "Stop all pending" switches QR sign-in off: the page then says the sign-in failed, as it did when it asked for the ticket.
        return (await settingsStore.GetAsync(ct)).Enabled ? created.Ticket : null;
    }

    /// <summary>
    /// Exchanges a ticket for the approving user, once: the ticket must be unexpired, unused and
    /// presented by the browser that started the transaction (the hash of its binding cookie).
    /// </summary>
    public async Task<RedeemedTicket?> RedeemTicketAsync(string? ticket, byte[]? browserBindingHash, string? ip, CancellationToken ct = default)
    {
        if (!QrLoginService.IsPlausibleSecret(ticket) || browserBindingHash is not { Length: 32 })
        {
            return null;
        }

        if (!(await settingsStore.GetAsync(ct)).Enabled)
        {
            await audit.WriteAsync(AuditTypes.QrRedeem, AuditOutcomes.Refused, ip: ip, details: "QR sign-in is disabled", ct: ct);
            return null;
        }

        var now = clock.GetUtcNow();
        var ticketHash = Secrets.Hash(ticket);
        var redeemed = await ConsumeAsync(commands => commands.RedeemTicket,
            new Dictionary<string, object?> { ["ticket"] = ticketHash, ["binding"] = browserBindingHash, ["now"] = now }, ip, details: null, ct);
        if (redeemed is null)
        {
            await audit.WriteAsync(AuditTypes.QrRedeem, AuditOutcomes.Refused, ip: ip, details: "unknown, expired, used or foreign ticket", ct: ct);
        }

        return redeemed;
    }

    /// <summary>
    /// For an API client holding the dsi of an approved transaction (the module-chain API): consumes
    /// the approval, once, and says who approved. Null when unknown, wrong dsi, not approved or used (alike).
    /// </summary>
    public async Task<RedeemedTicket?> ClaimAsync(Guid id, string? dsi, string? ip, CancellationToken ct = default)
    {
        if (!QrLoginService.IsPlausibleSecret(dsi) || !(await settingsStore.GetAsync(ct)).Enabled)
        {
            return null;
        }

        var now = clock.GetUtcNow();
        var dsiHash = Secrets.Hash(dsi);
        return await ConsumeAsync(commands => commands.Claim, new Dictionary<string, object?> { ["id"] = id, ["dsi"] = dsiHash, ["now"] = now },
            ip, "claimed by an API client", ct);
    }

    /// <summary>
    /// Consumes the one approved, unconsumed transaction <paramref name="which"/> names (<see cref="QrTransactionCommands.RedeemTicket"/>
    /// or <see cref="QrTransactionCommands.Claim"/>), once: a compare-and-set that returns the row it consumed, and its audit row
    /// in the same database transaction: a sign-in is never handed out without its audit row, and one commit instead of
    /// two (issue 16). Null when nothing was consumed (the caller audits a refusal).
    /// </summary>
    private async Task<RedeemedTicket?> ConsumeAsync(Func<QrTransactionCommands, RowCommand<QrTransaction>> which,
        IReadOnlyDictionary<string, object?> values, string? ip, string? details, CancellationToken ct)
    {
        await using var lease = await _contexts.RentAsync(ct);
        var db = lease.Db;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var consumed = await which(QrTransactionCommands.For(db)).SingleOrDefaultAsync(db, values,
            row => new RedeemedTicket(row.Get<Guid>(0), row.Get<string>(1)!, row.Get<bool>(2)), ct);
        if (consumed is null)
        {
            return null;
        }

        var audited = audit.Create(AuditTypes.QrRedeem, AuditOutcomes.Success, consumed.UserId, consumed.TransactionId.ToString(), ip, details);
        await RowInsert<AuditEvent>.For(db).InsertAsync(db, [audited], ct);
        await transaction.CommitAsync(ct);
        AuditCounters.Committed(audited);
        return consumed;
    }
}
