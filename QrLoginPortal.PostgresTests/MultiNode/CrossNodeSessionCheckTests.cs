#if POSTGRES_TESTS
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Sessions;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.MultiNode;

/// <summary>
/// Each node remembers, for a moment, the sessions it found open (<see cref="SessionCheckCache"/>): a session
/// ended on another node must still be refused on this node's next request, and while this node cannot hear
/// the others nothing is answered from memory.
/// </summary>
public sealed class CrossNodeSessionCheckTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private readonly PortalFactory _nodeB = new();
    private readonly PortalFactory _nodeA;

    public CrossNodeSessionCheckTests() =>
        _nodeA = new PortalFactory { Settings = { ["ConnectionStrings:DefaultConnection"] = _nodeB.Database.ConnectionString } };

    [Fact]
    public async Task ASessionEndedOnB_IsRefusedOnAsNextRequest()
    {
        await ListeningAsync(_nodeA, _nodeB);
        var (userId, sessionId) = await SessionCheckedOnAAsync();
        var told = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var _ = _nodeA.Services.GetRequiredService<ISessionNotifier>().Subscribe(userId, e => { told.TrySetResult(); return Task.CompletedTask; });

        Assert.True(await _nodeB.Services.GetRequiredService<SessionStore>().EndAsync(sessionId, userId, "signed out", userId, null));
        // A's pages and its memory hear of it by the same notification.
        await told.Task.WaitAsync(Guard);

        Assert.False(await _nodeA.Services.GetRequiredService<SessionStore>().TouchAsync(sessionId, userId));
    }

    [Fact]
    public async Task ASessionEndedOnBWhileAIsNotListening_IsRefusedOnA_BeforeAndAfterTheReconnect()
    {
        await ListeningAsync(_nodeA, _nodeB);
        var listener = _nodeA.Services.GetRequiredService<PostgresListener>();
        var (userId, sessionId) = await SessionCheckedOnAAsync();

        var lost = listener.Lost;
        await TerminateAsync(await listener.Listening);
        await lost.WaitAsync(Guard);
        Assert.True(await _nodeB.Services.GetRequiredService<SessionStore>().EndAsync(sessionId, userId, "signed out", userId, null));

        Assert.False(await _nodeA.Services.GetRequiredService<SessionStore>().TouchAsync(sessionId, userId));
        var back = listener.Listening;
        // The reconnect waits out its back-off on node A's clock.
        _nodeA.Clock.Advance(TimeSpan.FromSeconds(1));
        await back.WaitAsync(Guard);
        Assert.False(await _nodeA.Services.GetRequiredService<SessionStore>().TouchAsync(sessionId, userId));
    }

    [Fact]
    public async Task AfterAReconnect_NothingRememberedBeforeCounts()
    {
        await ListeningAsync(_nodeA, _nodeB);
        var listener = _nodeA.Services.GetRequiredService<PostgresListener>();
        var (_, _) = await SessionCheckedOnAAsync();
        var checks = _nodeA.Services.GetRequiredService<SessionCheckCache>();
        Assert.NotEqual(0, checks.Count);

        var lost = listener.Lost;
        await TerminateAsync(await listener.Listening);
        await lost.WaitAsync(Guard);
        var back = listener.Listening;
        _nodeA.Clock.Advance(TimeSpan.FromSeconds(1));
        await back.WaitAsync(Guard);

        Assert.Equal(0, checks.Count);
    }

    private async Task<(string UserId, Guid SessionId)> SessionCheckedOnAAsync()
    {
        var sessions = _nodeA.Services.GetRequiredService<SessionStore>();
        var userId = await _nodeA.UserIdAsync(PortalFactory.DemoEmail);
        var sessionId = await sessions.StartAsync(userId, "pwd", false, null, null);
        // Found open on A: remembered there.
        Assert.True(await sessions.TouchAsync(sessionId, userId));
        return (userId, sessionId);
    }

    private static Task ListeningAsync(params PortalFactory[] nodes) =>
        Task.WhenAll(nodes.Select(n => n.Services.GetRequiredService<PostgresListener>().Listening)).WaitAsync(Guard);

    private static async Task TerminateAsync(int processId) => Assert.True(await PostgresCluster.Instance.TerminateBackendAsync(processId));

    public void Dispose()
    {
        _nodeA.Dispose();
        _nodeB.Dispose();
    }
}
#endif
