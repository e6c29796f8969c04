using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace QrLoginPortal.QrLogin;

/// <summary>
/// The statements of an approval and a redemption, built once per model (<see cref="RowCommand{T}"/>) instead of
/// through LINQ on every call (issue 16). Each is the same compare-and-set as the LINQ it replaced, condition for
/// condition: the transaction's rules stay <see cref="QrTransaction.AttemptableAt"/> and
/// <see cref="QrTransaction.IsPending"/>, and <c>Attemptable</c> below is their text, which
/// <c>QrTransactionCommandsTests</c> checks against them row by row on both databases.
/// </summary>
internal sealed class QrTransactionCommands
{
    private static readonly ConditionalWeakTable<IModel, QrTransactionCommands> ByModel = [];

    private QrTransactionCommands(DbContext db)
    {
        // Every statement names its values; the same name twice is one parameter.
        string Attemptable(RowSql sql) =>
            $"{sql.Column(nameof(QrTransaction.State))} = {sql.Literal(nameof(QrTransaction.State), QrTransactionState.Pending)} AND {sql.Column(nameof(QrTransaction.ExpiresAt))} > {sql.Parameter("now", nameof(QrTransaction.ExpiresAt))}";
        string Approved(RowSql sql) =>
            $"{sql.Column(nameof(QrTransaction.State))} = {sql.Literal(nameof(QrTransaction.State), QrTransactionState.Success)} AND {sql.Column(nameof(QrTransaction.ConsumedAt))} IS NULL";

        FindByLsi = Find(db, nameof(QrTransaction.LsiHash));
        FindByUserCode = Find(db, nameof(QrTransaction.UserCodeHash));
        Answer = RowCommand<QrTransaction>.Build(db, sql =>
            $"UPDATE {sql.Table} SET {sql.Column(nameof(QrTransaction.State))} = {sql.Parameter("to", nameof(QrTransaction.State))}, " +
            $"{sql.Column(nameof(QrTransaction.UpdatedAt))} = {sql.Parameter("now", nameof(QrTransaction.UpdatedAt))}, " +
            $"{sql.Column(nameof(QrTransaction.UserId))} = {sql.Parameter("user", nameof(QrTransaction.UserId))}, " +
            $"{sql.Column(nameof(QrTransaction.KeepSignedIn))} = {sql.Parameter("keep", nameof(QrTransaction.KeepSignedIn))}, " +
            $"{sql.Column(nameof(QrTransaction.ApproverIp))} = {sql.Parameter("ip", nameof(QrTransaction.ApproverIp))}, " +
            $"{sql.Column(nameof(QrTransaction.ApproverUserAgent))} = {sql.Parameter("agent", nameof(QrTransaction.ApproverUserAgent))}, " +
            $"{sql.Column(nameof(QrTransaction.TicketExpiresAt))} = {sql.Parameter("ticketExpiry", nameof(QrTransaction.TicketExpiresAt))}, " +
            $"{sql.Column(nameof(QrTransaction.ScannedAt))} = COALESCE({sql.Column(nameof(QrTransaction.ScannedAt))}, {sql.Parameter("now", nameof(QrTransaction.ScannedAt))}) " +
            $"WHERE {sql.Column(nameof(QrTransaction.Id))} = {sql.Parameter("id", nameof(QrTransaction.Id))} AND {Attemptable(sql)}");
        IssueTicket = RowCommand<QrTransaction>.Build(db, sql =>
            $"UPDATE {sql.Table} SET {sql.Column(nameof(QrTransaction.TicketHash))} = {sql.Parameter("ticket", nameof(QrTransaction.TicketHash))}, " +
            $"{sql.Column(nameof(QrTransaction.TicketExpiresAt))} = {sql.Parameter("ticketExpiry", nameof(QrTransaction.TicketExpiresAt))} " +
            $"WHERE {sql.Column(nameof(QrTransaction.Id))} = {sql.Parameter("id", nameof(QrTransaction.Id))} " +
            $"AND {sql.Column(nameof(QrTransaction.DsiHash))} = {sql.Parameter("dsi", nameof(QrTransaction.DsiHash))} AND {Approved(sql)}");
        RedeemTicket = Consume(db, sql =>
            $"{sql.Column(nameof(QrTransaction.TicketHash))} = {sql.Parameter("ticket", nameof(QrTransaction.TicketHash))} " +
            $"AND {sql.Column(nameof(QrTransaction.BrowserBindingHash))} = {sql.Parameter("binding", nameof(QrTransaction.BrowserBindingHash))} " +
            $"AND {sql.Column(nameof(QrTransaction.TicketExpiresAt))} > {sql.Parameter("now", nameof(QrTransaction.TicketExpiresAt))} AND {Approved(sql)}");
        Claim = Consume(db, sql =>
            $"{sql.Column(nameof(QrTransaction.Id))} = {sql.Parameter("id", nameof(QrTransaction.Id))} " +
            $"AND {sql.Column(nameof(QrTransaction.DsiHash))} = {sql.Parameter("dsi", nameof(QrTransaction.DsiHash))} AND {Approved(sql)}");
        FindAttemptableByLsi = FindAttemptable(db, nameof(QrTransaction.LsiHash), Attemptable);
        FindAttemptableByUserCode = FindAttemptable(db, nameof(QrTransaction.UserCodeHash), Attemptable);
        MarkScanned = RowCommand<QrTransaction>.Build(db, sql =>
            $"UPDATE {sql.Table} SET {sql.Column(nameof(QrTransaction.ScannedAt))} = {sql.Parameter("now", nameof(QrTransaction.ScannedAt))}, " +
            $"{sql.Column(nameof(QrTransaction.UpdatedAt))} = {sql.Parameter("now", nameof(QrTransaction.UpdatedAt))} " +
            $"WHERE {sql.Column(nameof(QrTransaction.Id))} = {sql.Parameter("id", nameof(QrTransaction.Id))} " +
            $"AND {sql.Column(nameof(QrTransaction.ScannedAt))} IS NULL AND {Attemptable(sql)}");
    }

    /// <summary>The statements for <paramref name="db"/>'s model.</summary>
    public static QrTransactionCommands For(DbContext db) => ByModel.GetValue(db.Model, _ => new QrTransactionCommands(db));

    /// <summary><c>code</c> → Id, MatchNumber of the transaction with that lsi hash, whatever its state.</summary>
    public RowCommand<QrTransaction> FindByLsi { get; }

    /// <summary>As <see cref="FindByLsi"/> by the typed code's hash.</summary>
    public RowCommand<QrTransaction> FindByUserCode { get; }

    /// <summary>
    /// The phone's answer (<c>id</c>, <c>now</c>; <c>to</c> SUCCESS or FAILED, <c>user</c>, <c>keep</c>, <c>ip</c>, <c>agent</c>,
    /// <c>ticketExpiry</c>): the transaction leaves PENDING if still attemptable at <c>now</c>; scanned at
    /// <c>now</c> unless it was before.
    /// </summary>
    public RowCommand<QrTransaction> Answer { get; }

    /// <summary>A new ticket (<c>ticket</c>, <c>ticketExpiry</c>) for the approved, unconsumed <c>id</c> whose dsi hash is <c>dsi</c>.</summary>
    public RowCommand<QrTransaction> IssueTicket { get; }

    /// <summary>
    /// Consumes the approved, unconsumed transaction whose <c>ticket</c> hash is that, bound to <c>binding</c>, with the
    /// ticket unexpired at <c>now</c>, and returns Id, UserId, KeepSignedIn.
    /// </summary>
    public RowCommand<QrTransaction> RedeemTicket { get; }

    /// <summary>As <see cref="RedeemTicket"/> for <c>id</c> with the dsi hash <c>dsi</c> (the API client's claim; no ticket).</summary>
    public RowCommand<QrTransaction> Claim { get; }

    /// <summary><c>code</c> (lsi hash) → what the phone shows, if still attemptable at <c>now</c>.</summary>
    public RowCommand<QrTransaction> FindAttemptableByLsi { get; }

    /// <summary>As <see cref="FindAttemptableByLsi"/> by the typed code's hash.</summary>
    public RowCommand<QrTransaction> FindAttemptableByUserCode { get; }

    /// <summary>The phone opened <c>id</c> at <c>now</c>: scanned once, while still attemptable.</summary>
    public RowCommand<QrTransaction> MarkScanned { get; }

    /// <summary>The values of <see cref="FindAttemptableByLsi"/>'s row, in order.</summary>
    public static readonly string[] ShownToThePhone =
    [
        nameof(QrTransaction.Id), nameof(QrTransaction.RequesterIp), nameof(QrTransaction.RequesterUserAgent), nameof(QrTransaction.CreatedAt),
        nameof(QrTransaction.ExpiresAt), nameof(QrTransaction.ScannedAt), nameof(QrTransaction.MatchChoices),
    ];

    private static RowCommand<QrTransaction> Find(DbContext db, string codeColumn) => RowCommand<QrTransaction>.Build(db, sql =>
        $"SELECT {sql.Columns(nameof(QrTransaction.Id), nameof(QrTransaction.MatchNumber))} FROM {sql.Table} " +
        $"WHERE {sql.Column(codeColumn)} = {sql.Parameter("code", codeColumn)}");

    private static RowCommand<QrTransaction> FindAttemptable(DbContext db, string codeColumn, Func<RowSql, string> attemptable) =>
        RowCommand<QrTransaction>.Build(db, sql =>
            $"SELECT {sql.Columns(ShownToThePhone)} FROM {sql.Table} WHERE {sql.Column(codeColumn)} = {sql.Parameter("code", codeColumn)} AND {attemptable(sql)}");

    private static RowCommand<QrTransaction> Consume(DbContext db, Func<RowSql, string> which) => RowCommand<QrTransaction>.Build(db, sql =>
        $"UPDATE {sql.Table} SET {sql.Column(nameof(QrTransaction.ConsumedAt))} = {sql.Parameter("now", nameof(QrTransaction.ConsumedAt))}, " +
        $"{sql.Column(nameof(QrTransaction.UpdatedAt))} = {sql.Parameter("now", nameof(QrTransaction.UpdatedAt))} " +
        $"WHERE {which(sql)} RETURNING {sql.Columns(nameof(QrTransaction.Id), nameof(QrTransaction.UserId), nameof(QrTransaction.KeepSignedIn))}");
}
