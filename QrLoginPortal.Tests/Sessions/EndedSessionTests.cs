using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Admin;
using QrLoginPortal.Audit;
using QrLoginPortal.Data;
using QrLoginPortal.Sessions;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Sessions;

/// <summary>Ended means ended, now: an open page of a browser whose session ended can no longer act, and is told to leave.</summary>
public sealed class EndedSessionTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(10);

    private SessionStore Sessions => portal.Services.GetRequiredService<SessionStore>();
    private ISessionNotifier Notifier => portal.Services.GetRequiredService<ISessionNotifier>();

    [Fact]
    public async Task AnAdminAction_RightAfterItsSessionEnded_IsRefused_AndChangesNothing()
    {
        var actor = await portal.AdminActorAsync();
        Assert.True(await Sessions.EndAsync(actor.SessionId!.Value, actor.UserId!, "signed out from another browser", actor.UserId, null));

        var refused = await Assert.ThrowsAsync<AdminAccessDeniedException>(() =>
            portal.Services.GetRequiredService<UserAdmin>().CreateAsync(actor, "made-after-sign-out@test.local", null, "User"));

        Assert.Equal(AdminAccessDeniedException.SessionEnded, refused.Message);
        await using var db = await portal.Services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>().CreateDbContextAsync();
        Assert.False(await db.Users.AnyAsync(u => u.Email == "made-after-sign-out@test.local"));
        Assert.True(await db.AuditEvents.AnyAsync(e => e.Type == AuditTypes.AdminRefused && e.UserId == actor.UserId
                                                       && e.Details!.Contains("session has ended")));
    }

    [Fact]
    public async Task AnAdminAction_FromALiveSession_StillWorks_AndAnotherSessionEndingDoesNotStopIt()
    {
        var actor = await portal.AdminActorAsync();
        var other = await portal.AdminActorAsync();
        Assert.True(await Sessions.EndAsync(other.SessionId!.Value, other.UserId!, "signed out from another browser", other.UserId, null));

        var result = await portal.Services.GetRequiredService<UserAdmin>().CreateAsync(actor, "made-while-live@test.local", null, "User");

        Assert.True(result.Succeeded, result.Message);
    }

    [Fact]
    public async Task AnAdminActor_WithoutASession_IsRefused()
    {
        var adminId = await portal.UserIdAsync(PortalFactory.AdminEmail);

        await Assert.ThrowsAsync<AdminAccessDeniedException>(() =>
            portal.Services.GetRequiredService<UserAdmin>().CreateAsync(new AdminActor(adminId, PortalFactory.AdminEmail, null), "sessionless@test.local", null, "User"));
    }

    [Fact]
    public async Task EndingOneSession_TellsThatUsersPages_WithTheSession()
    {
        var userId = await portal.CreateUserAsync("told-one@test.local");
        var sessionId = await Sessions.StartAsync(userId, "pwd", false, null, null);
        var told = new TaskCompletionSource<SessionsEnded>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = Notifier.Subscribe(userId, ended => { told.TrySetResult(ended); return Task.CompletedTask; });

        await Sessions.EndAsync(sessionId, userId, "signed out by an administrator", null, null);

        var ended = await told.Task.WaitAsync(EventTimeout);
        Assert.Equal(new SessionsEnded(userId, sessionId, SessionEndCause.SignedOut), ended);
        Assert.True(ended.Ends(sessionId));
        Assert.False(ended.Ends(Guid.NewGuid()));
    }

    [Fact]
    public async Task LockingAUser_TellsTheirPages_EverySessionEnded_BecauseOfTheLock()
    {
        var userId = await portal.CreateUserAsync("told-lock@test.local");
        await Sessions.StartAsync(userId, "pwd", false, null, null);
        var told = new TaskCompletionSource<SessionsEnded>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = Notifier.Subscribe(userId, ended => { told.TrySetResult(ended); return Task.CompletedTask; });

        var result = await portal.Services.GetRequiredService<UserAdmin>().LockAsync(await portal.AdminActorAsync(), userId);

        Assert.True(result.Succeeded, result.Message);
        var ended = await told.Task.WaitAsync(EventTimeout);
        Assert.Equal(new SessionsEnded(userId, null, SessionEndCause.AccountLocked), ended);
        Assert.True(ended.Ends(Guid.NewGuid()));
    }

    [Fact]
    public async Task ASessionEndedByItsStaleCookie_TellsItsPages_Too()
    {
        // The security-stamp path (password changed elsewhere): the cookie's next request ends the session, and its pages hear of it.
        var userId = await portal.CreateUserAsync("told-stamp@test.local");
        using var browser = portal.CreateBrowser();
        await browser.SignInWithPasswordAsync("told-stamp@test.local", PortalFactory.DemoPassword);
        var told = new TaskCompletionSource<SessionsEnded>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = Notifier.Subscribe(userId, ended => { told.TrySetResult(ended); return Task.CompletedTask; });
        using (var scope = portal.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<ApplicationUser>>();
            Assert.True((await users.UpdateSecurityStampAsync((await users.FindByIdAsync(userId))!)).Succeeded);
        }

        portal.Clock.Advance(TimeSpan.FromMinutes(2));
        await browser.Http.GetAsync("/account");

        var ended = await told.Task.WaitAsync(EventTimeout);
        Assert.Equal(userId, ended.UserId);
        Assert.NotNull(ended.SessionId);
    }

    [Theory]
    [InlineData("browser", "You were signed out of this browser.")]
    [InlineData("locked", "Your account was locked by an administrator.")]
    public async Task TheSignInPage_ShowsTheNotice_ForItsCode(string code, string message)
    {
        using var browser = portal.CreateBrowser();

        var page = await browser.GetPageAsync($"/login?ended={code}");

        Assert.Contains(message, page);
    }

    [Fact]
    public async Task TheSignInPage_ShowsNoNotice_ForAnyOtherText()
    {
        using var browser = portal.CreateBrowser();

        var page = await browser.GetPageAsync("/login?ended=%3Cscript%3Ealert(1)%3C%2Fscript%3E");

        Assert.DoesNotContain("signed-out-notice", page);
        Assert.DoesNotContain("<script>alert(1)", page);
    }
}
