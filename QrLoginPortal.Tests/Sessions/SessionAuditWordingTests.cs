using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Audit;
using QrLoginPortal.Sessions;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Sessions;

/// <summary>The audit log's details of ended sessions read as words: "1 session", "2 sessions", never "session(s)".</summary>
public sealed class SessionAuditWordingTests : IDisposable
{
    private readonly EngineFixture _engine = new();
    private readonly SessionStore _sessions;

    public SessionAuditWordingTests() => _sessions = new SessionStore(_engine.Database, _engine.Audit, _engine.Clock);

    public void Dispose() => _engine.Dispose();

    [Fact]
    public async Task EndingAll_CountsTheSessionsInWords()
    {
        await _sessions.StartAsync("user-1", "pwd", false, null, null);
        await _sessions.StartAsync("user-2", "pwd", false, null, null);
        await _sessions.StartAsync("user-2", "pwd", false, null, null);

        await _sessions.EndAllAsync("user-1", "account locked", "admin", null);
        await _sessions.EndAllAsync("user-2", "account locked", "admin", null);

        Assert.Equal(["account locked: 1 session ended", "account locked: 2 sessions ended"], await EndDetailsAsync());
    }

    [Fact]
    public async Task EndingAllOthers_CountsTheSessionsInWords()
    {
        var here = await _sessions.StartAsync("user-1", "pwd", false, null, null);
        await _sessions.StartAsync("user-1", "pwd", false, null, null);

        await _sessions.EndAllOthersAsync("user-1", here, "signed out all other browsers", null);

        Assert.Equal([$"signed out all other browsers: 1 session ended, session {here} kept"], await EndDetailsAsync());
    }

    private async Task<List<string?>> EndDetailsAsync()
    {
        await using var db = _engine.Database.CreateDbContext();
        return await db.AuditEvents.Where(e => e.Type == AuditTypes.SessionEnd && e.Details!.Contains("ended"))
            .OrderBy(e => e.Id).Select(e => e.Details).ToListAsync(Xunit.TestContext.Current.CancellationToken);
    }
}
