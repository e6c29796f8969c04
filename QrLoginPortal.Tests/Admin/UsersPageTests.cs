using Microsoft.Extensions.DependencyInjection;
using Bunit;
using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Admin;
using QrLoginPortal.Audit;
using QrLoginPortal.Sessions;

namespace QrLoginPortal.Tests.Admin;

public sealed class UsersPageTests : AdminPageTestContext
{
    [Fact]
    public void ListsUsers_WithRoleAndStatus()
    {
        var cut = Render<UsersPage>();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));
        var admin = cut.FindAll("tbody tr").Single(r => r.TextContent.Contains("admin@test.local"));
        Assert.Contains("Admin", admin.TextContent);
        Assert.Contains("Active", admin.TextContent);
    }

    [Fact]
    public void ALinkNamingAUser_OpensTheListSearchedForThem()
    {
        Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().NavigateTo("admin/users?search=user%40test.local");

        var cut = Render<UsersPage>();

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("tbody tr")));
        Assert.Contains("user@test.local", cut.Find("tbody tr").TextContent);
        Assert.Equal("user@test.local", cut.Find("input[data-testid=search]").GetAttribute("value"));
    }

    [Fact]
    public async Task Search_WithNoMatch_SaysSo()
    {
        var cut = Render<UsersPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));

        await cut.Find("input[data-testid=search]").InputAsync(new() { Value = "nobody-here" });
        Engine.Clock.Advance(TimeSpan.FromSeconds(1));

        cut.WaitForAssertion(() => Assert.Contains("No users match", cut.Find("[data-testid=empty]").TextContent));
    }

    [Fact]
    public async Task Search_FiltersAsTheAdminTypes_WithoutLeavingTheField()
    {
        var cut = Render<UsersPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));

        await cut.Find("input[data-testid=search]").InputAsync(new() { Value = "user@" });
        Assert.Equal(2, cut.FindAll("tbody tr").Count);
        // The search waits for a pause in typing, timed by the injected clock.
        Engine.Clock.Advance(TimeSpan.FromSeconds(1));

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("tbody tr")));
        Assert.Contains("user@test.local", cut.Find("tbody tr").TextContent);
    }

    [Fact]
    public async Task Create_SaysTheNewUserGetsInWithThePasswordLink_ShownAndMailed()
    {
        var cut = Render<UsersPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));

        await cut.Find("input[data-testid=new-email]").InputAsync(new() { Value = "fresh@test.local" });
        await cut.Find("button[data-testid=create]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("Created fresh@test.local", cut.Find("[data-testid=message]").TextContent));
        var message = cut.Find("[data-testid=message]").TextContent;
        Assert.Contains("password link below, which was also mailed to them and works for 1 day", message);
        Assert.DoesNotContain("signed-in phone", message);
        Assert.StartsWith("http://localhost/Account/ResetPassword?code=", cut.Find("[data-testid=password-link]").TextContent);
    }

    [Fact]
    public async Task PasswordLink_NamesWhoseItIsAndHowLongItLasts_AndCopies()
    {
        var module = JSInterop.SetupModule(CopyButton.ModulePath);
        var cut = Render<UsersPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));

        await cut.FindAll("tbody tr").Single(r => r.TextContent.Contains("user@test.local")).QuerySelector("button[data-testid=reset-link]")!.ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("Password link for user@test.local, valid for 1 day", cut.Find("[data-testid=message]").TextContent));
        var link = cut.Find("[data-testid=password-link]").TextContent;
        Assert.StartsWith("http://localhost/Account/ResetPassword?code=", link);
        var copy = module.Setup<bool>("copy", link);
        copy.SetResult(true);
        await cut.Find("button[data-testid=copy-link]").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Contains("Copied", cut.Find("[data-testid=copy-link-status]").TextContent));
        Assert.Single(copy.Invocations);
    }

    [Fact]
    public async Task Create_AddsTheUser_AndADuplicateEmailIsRefusedWithAMessage()
    {
        var cut = Render<UsersPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));

        await cut.Find("input[data-testid=new-email]").InputAsync(new() { Value = "new.person@test.local" });
        await cut.Find("input[data-testid=new-name]").InputAsync(new() { Value = "New Person" });
        await cut.Find("button[data-testid=create]").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Contains("Created new.person@test.local", cut.Find("[data-testid=message]").TextContent));
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("tbody tr").Count));

        await cut.Find("input[data-testid=new-email]").InputAsync(new() { Value = "user@test.local" });
        await cut.Find("button[data-testid=create]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("already exists", cut.Find("[data-testid=error]").TextContent));
        await using var db = Engine.Database.CreateDbContext();
        Assert.Equal(3, await db.Users.CountAsync());
        Assert.Equal("New Person", (await db.Users.SingleAsync(u => u.Email == "new.person@test.local")).DisplayName);
        Assert.True(await db.AuditEvents.AnyAsync(e => e.Type == AuditTypes.UserCreate && e.UserId == "admin-id"));
    }

    [Fact]
    public async Task Create_RightAfterThisBrowsersSessionEnded_IsRefused_AndCreatesNothing()
    {
        var cut = Render<UsersPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));

        // Signed out from another browser; the circuit's principal still says admin.
        Assert.True(await Services.GetRequiredService<SessionStore>().EndAsync(AdminSessionId, "admin-id", "signed out from another browser", "admin-id", null));
        await cut.Find("input[data-testid=new-email]").InputAsync(new() { Value = "after.sign-out@test.local" });
        await cut.Find("button[data-testid=create]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("This browser was signed out", cut.Find("[data-testid=error]").TextContent));
        await using var db = Engine.Database.CreateDbContext();
        Assert.False(await db.Users.AnyAsync(u => u.Email == "after.sign-out@test.local"));
    }

    [Fact]
    public async Task Create_WithAnInvalidEmail_SaysSo_AndCreatesNothing()
    {
        var cut = Render<UsersPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));

        await cut.Find("input[data-testid=new-email]").InputAsync(new() { Value = "not-an-email" });
        await cut.Find("button[data-testid=create]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("valid email", cut.Find("[data-testid=error]").TextContent));
        await using var db = Engine.Database.CreateDbContext();
        Assert.Equal(2, await db.Users.CountAsync());
    }

    [Fact]
    public async Task Lock_LocksTheUser_AndEndsTheirSessions()
    {
        var sessions = new SessionStore(Engine.Database, Engine.Audit, Engine.Clock);
        var session = await sessions.StartAsync("user-id", "pwd", false, null, "Mozilla/5.0 Firefox/133.0");
        var cut = Render<UsersPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));
        var userRow = cut.FindAll("tbody tr").Single(r => r.TextContent.Contains("user@test.local"));

        var said = await ClickAndAnswerAsync(userRow.QuerySelector("button[data-testid=lock]")!, "Lock");

        Assert.Contains("1 signed-in browser will be signed out", said);
        cut.WaitForAssertion(() => Assert.Contains("is locked; 1 signed-in browser signed out", cut.Find("[data-testid=message]").TextContent));
        Assert.Contains("Locked", cut.FindAll("tbody tr").Single(r => r.TextContent.Contains("user@test.local")).TextContent);
        Assert.False(await sessions.IsActiveAsync(session, "user-id"));
    }

    [Fact]
    public async Task Lock_AsksFirst_NamingTheBrowsersItSignsOut_AndCancelChangesNothing()
    {
        var sessions = new SessionStore(Engine.Database, Engine.Audit, Engine.Clock);
        var first = await sessions.StartAsync("user-id", "pwd", false, null, null);
        await sessions.StartAsync("user-id", "qr", false, null, null);
        var cut = Render<UsersPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));

        var said = await ClickAndAnswerAsync(cut.FindAll("tbody tr").Single(r => r.TextContent.Contains("user@test.local")).QuerySelector("button[data-testid=lock]")!, "Cancel");

        Assert.Contains("2 signed-in browsers will be signed out", said);
        Assert.True(await sessions.IsActiveAsync(first, "user-id"));
        await using var db = Engine.Database.CreateDbContext();
        Assert.Null((await db.Users.SingleAsync(u => u.Id == "user-id")).LockoutEnd);
        Assert.Empty(cut.FindAll("[data-testid=message]"));
    }

    [Fact]
    public async Task AnAdminCannotLockThemselves()
    {
        var cut = Render<UsersPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));
        var own = cut.FindAll("tbody tr").Single(r => r.TextContent.Contains("admin@test.local"));

        await ClickAndAnswerAsync(own.QuerySelector("button[data-testid=lock]")!, "Lock");

        cut.WaitForAssertion(() => Assert.Contains("cannot lock your own account", cut.Find("[data-testid=error]").TextContent));
    }

    [Fact]
    public async Task MakeAdmin_GivesTheRole_AndIsAudited()
    {
        var cut = Render<UsersPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));
        var userRow = cut.FindAll("tbody tr").Single(r => r.TextContent.Contains("user@test.local"));

        await userRow.QuerySelector("button[data-testid=toggle-admin]")!.ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("is now an administrator", cut.Find("[data-testid=message]").TextContent));
        await using var db = Engine.Database.CreateDbContext();
        Assert.True(await db.UserRoles.AnyAsync(ur => ur.UserId == "user-id"));
        Assert.True(await db.AuditEvents.AnyAsync(e => e.Type == AuditTypes.UserRoleAdd && e.Subject == "user-id"));
    }

    [Fact]
    public async Task RowClick_ShowsTheUsersSignIns_AndEndsOne()
    {
        var sessions = new SessionStore(Engine.Database, Engine.Audit, Engine.Clock);
        var session = await sessions.StartAsync("user-id", "qr", true, "198.51.100.4", "Mozilla/5.0 (Linux; Android 14) Chrome/140.0 Mobile Safari/537.36");
        var cut = Render<UsersPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));

        await cut.FindAll("tbody tr").Single(r => r.TextContent.Contains("user@test.local")).ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Contains("Chrome 140 on Android 14", cut.Find("[data-testid=user-sessions]").TextContent));
        // The same words as the user's own page, not the stored short code "qr".
        Assert.Equal("QR code", cut.Find("[data-testid=user-sessions] [data-testid=session-method]").TextContent);
        // Opening them brings them into view (focus scrolls), however long the list above.
        cut.WaitForAssertion(() => JSInterop.VerifyFocusAsyncInvoke());
        await cut.Find("[data-testid=user-sessions] button").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("signed out by an administrator", cut.Find("[data-testid=user-sessions]").TextContent));
        Assert.False(await sessions.IsActiveAsync(session, "user-id"));
    }

    [Fact]
    public async Task ADemotedAdmin_CannotLockAnyone()
    {
        var cut = Render<UsersPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));
        await DemoteAdminAsync();

        await ClickAndAnswerAsync(cut.FindAll("tbody tr").Single(r => r.TextContent.Contains("user@test.local")).QuerySelector("button[data-testid=lock]")!, "Lock");

        cut.WaitForAssertion(() => Assert.Contains("no longer an administrator", cut.Find("[data-testid=error]").TextContent));
        await using var db = Engine.Database.CreateDbContext();
        Assert.Null((await db.Users.SingleAsync(u => u.Id == "user-id")).LockoutEnd);
    }
}

public sealed class UsersPageErrorTests() : AdminPageTestContext(failingDatabase: true)
{
    [Fact]
    public void WhenTheDatabaseFails_ShowsAnError()
    {
        var cut = Render<UsersPage>();

        cut.WaitForAssertion(() => Assert.Contains("Could not load", cut.Find("[data-testid=error]").TextContent));
    }
}
