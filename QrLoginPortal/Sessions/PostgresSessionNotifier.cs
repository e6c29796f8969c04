using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Data;

namespace QrLoginPortal.Sessions;

/// <summary>
/// The session notifier of a node among several on one PostgreSQL database: this node's pages are
/// told in process after the commit, the other nodes by <c>pg_notify</c> inside the transaction that
/// ended the sessions. The notification carries the user id, the session id (none for "all"), the
/// cause and the sending node: no secret, nothing about the browser. After a lost listening
/// connection, every session of a user with a page here that ended meanwhile is told again.
/// </summary>
/// <param name="checks">This node's remembered session checks: forgotten for every end heard, and all of them after a gap in listening.</param>
public sealed class PostgresSessionNotifier(
    IDbContextFactory<ApplicationDbContext> dbFactory,
    ILogger<InProcessSessionNotifier> localLogger,
    SessionCheckCache? checks = null) : ISessionNotifier, QrLogin.IPostgresChannel
{
    public const string ChannelName = "qrlogin_sessions";

    private readonly InProcessSessionNotifier _local = new(localLogger);
    private readonly string _node = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    public string Channel => ChannelName;

    public int SubscriptionCount => _local.SubscriptionCount;

    public IDisposable Subscribe(string userId, Func<SessionsEnded, Task> handler) => _local.Subscribe(userId, handler);

    public Task PublishAsync(SessionsEnded ended) => _local.PublishAsync(ended);

    public Task AnnounceAsync(ApplicationDbContext db, SessionsEnded ended, CancellationToken ct = default) =>
        QrLogin.PostgresListener.NotifyAsync(db, ChannelName, $"{_node} {(int)ended.Cause} {ended.SessionId?.ToString() ?? "-"} {ended.UserId}", ct);

    public void OnNotification(string payload)
    {
        // The user id goes last: whatever it holds, it is the rest of the payload.
        var parts = payload.Split(' ', 4);
        if (parts.Length != 4 || parts[0] == _node || !int.TryParse(parts[1], out var cause) || !Enum.IsDefined((SessionEndCause)cause))
        {
            return;
        }

        Guid? sessionId = Guid.TryParse(parts[2], out var id) ? id : null;
        // Whether or not a page here waits on this user: the next request of that session must ask the database.
        checks?.Forget(parts[3]);
        if (_local.IsWaitedOn(parts[3]))
        {
            _local.PublishAsync(new SessionsEnded(parts[3], sessionId, (SessionEndCause)cause));
        }
    }

    public async Task OnListeningAgainAsync(DateTimeOffset since, CancellationToken ct)
    {
        // Ends committed while this node was not listening were not heard: nothing remembered from before counts.
        checks?.ForgetAll();
        var users = _local.WaitedOn.ToList();
        if (users.Count == 0)
        {
            return;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var ended = await db.UserSessions.AsNoTracking()
            .Where(s => users.Contains(s.UserId) && s.EndedAt != null && s.EndedAt >= since)
            .Select(s => new { s.UserId, s.Id })
            .ToListAsync(ct);
        foreach (var session in ended)
        {
            await _local.PublishAsync(new SessionsEnded(session.UserId, session.Id, SessionEndCause.SignedOut));
        }
    }
}
