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
    public async Task ASecurityStampChange_EndsTheUsersSessions_AndTellsTheirPages_AtOnce()
    {
        // Two-factor, e-mail, role or password changed: Identity renews the stamp; the open pages must not wait for the next stamp check.
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

        var ended = await told.Task.WaitAsync(EventTimeout);
        Assert.Equal(new SessionsEnded(userId, null, SessionEndCause.SignedOut), ended);
        Assert.NotNull(Assert.Single(await Sessions.ListAsync(userId)).EndedAt);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, (await browser.Http.GetAsync("/account")).StatusCode);
    }

    [Fact]
    public async Task ChangingThePassword_EndsTheOtherBrowsersSession_AndTellsItsPages_AtOnce_WhileThisBrowserStaysSignedIn()
    {
        var userId = await portal.CreateUserAsync("changes-password@test.local");
        using var laptop = portal.CreateBrowser();
        using var phone = portal.CreateBrowser("Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/140.0 Mobile Safari/537.36");
        await laptop.SignInWithPasswordAsync("changes-password@test.local", PortalFactory.DemoPassword);
        await phone.SignInWithPasswordAsync("changes-password@test.local", PortalFactory.DemoPassword);
        var laptopSession = (await Sessions.ListAsync(userId)).Single(s => s.UserAgent!.Contains("Windows")).Id;
        var told = new TaskCompletionSource<SessionsEnded>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = Notifier.Subscribe(userId, ended => { told.TrySetResult(ended); return Task.CompletedTask; });

        var form = await phone.GetPageAsync("/Account/Manage/ChangePassword");
        var changed = await phone.PostFormAsync("/Account/Manage/ChangePassword", form, "change-password", new Dictionary<string, string>
        {
            ["Input.OldPassword"] = PortalFactory.DemoPassword,
            ["Input.NewPassword"] = "Changed-Passw0rd!",
            ["Input.ConfirmPassword"] = "Changed-Passw0rd!",
        });

        Assert.Equal(System.Net.HttpStatusCode.Redirect, changed.StatusCode);
        // No clock moved: the laptop's open pages hear of it now, not at the next stamp check.
        var ended = await told.Task.WaitAsync(EventTimeout);
        Assert.True(ended.Ends(laptopSession));
        Assert.False(await Sessions.IsActiveAsync(laptopSession, userId));
        Assert.Equal(System.Net.HttpStatusCode.Redirect, (await laptop.Http.GetAsync("/account")).StatusCode);
        Assert.Contains("changes-password@test.local", await phone.GetPageAsync("/account"));
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
