using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Admin;
using QrLoginPortal.Audit;

namespace QrLoginPortal.Tests.Admin;

public sealed class AuditLogPageTests : AdminPageTestContext
{
    [Fact]
    public void WithNoEvents_SaysNoneMatch()
    {
        var cut = Render<AuditLogPage>();

        cut.WaitForAssertion(() => Assert.Contains("No events match", cut.Find("[data-testid=empty]").TextContent));
    }

    [Fact]
    public async Task ShowsEventsNewestFirst_WithTheActorsEmail()
    {
        await Engine.Audit.WriteAsync(AuditTypes.UserLock, AuditOutcomes.Success, "admin-id", "user-id", "203.0.113.9", "locked");
        Engine.Clock.Advance(TimeSpan.FromMinutes(1));
        await Engine.Audit.WriteAsync(AuditTypes.QrDeny, AuditOutcomes.Success, "user-id", "tx-1", "198.51.100.1", "I did not try to sign in");

        var cut = Render<AuditLogPage>();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));
        var rows = cut.FindAll("tbody tr");
        Assert.Contains("Sign-in denied on phone", rows[0].TextContent);
        Assert.Contains("user@test.local", rows[0].TextContent);
        Assert.Contains("User locked", rows[1].TextContent);
        Assert.Contains("admin@test.local", rows[1].TextContent);
    }

    [Fact]
    public async Task TypesAndOutcomesReadAsWords_AndSubjectsLinkToTheCodeOrTheUser()
    {
        var code = Guid.NewGuid();
        await Engine.Audit.WriteAsync(AuditTypes.UserLock, AuditOutcomes.Success, "admin-id", "user-id", null, "locked");
        Engine.Clock.Advance(TimeSpan.FromMinutes(1));
        await Engine.Audit.WriteAsync(AuditTypes.QrDeny, AuditOutcomes.Success, "user-id", code.ToString(), null, "I did not try to sign in");

        var cut = Render<AuditLogPage>();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));
        var rows = cut.FindAll("tbody tr");
        Assert.Equal("Sign-in denied on phone", rows[0].QuerySelector("[data-testid=type]")!.TextContent);
        Assert.Equal("denied", rows[0].QuerySelector("[data-testid=outcome]")!.TextContent.Trim());
        Assert.Equal($"admin/audit?subject={code}", rows[0].QuerySelector("[data-testid=subject-link]")!.GetAttribute("href"));
        Assert.Equal("done", rows[1].QuerySelector("[data-testid=outcome]")!.TextContent.Trim());
        var user = rows[1].QuerySelector("[data-testid=subject-link]")!;
        Assert.Equal("user@test.local", user.TextContent);
        Assert.Equal("admin/users?search=user%40test.local", user.GetAttribute("href"));
    }

    [Fact]
    public async Task FiltersComeFromTheAddress_AndChangesAreWrittenBackToIt()
    {
        var code = Guid.NewGuid();
        await Engine.Audit.WriteAsync(AuditTypes.QrCreate, AuditOutcomes.Success, subject: code.ToString());
        await Engine.Audit.WriteAsync(AuditTypes.QrDeny, AuditOutcomes.Success, "user-id", code.ToString());
        await Engine.Audit.WriteAsync(AuditTypes.QrDeny, AuditOutcomes.Success, "user-id", Guid.NewGuid().ToString());
        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo($"admin/audit?subject={code}&type=qr.deny");

        var cut = Render<AuditLogPage>();

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("tbody tr")));
        Assert.Contains(code.ToString(), cut.Find("[data-testid=subject-filter]").TextContent);
        Assert.Contains($"subject={code}", cut.Find("a[data-testid=export]").GetAttribute("href"));

        await cut.Find("input[data-testid=filter-user]").ChangeAsync(new() { Value = "user@test" });

        cut.WaitForAssertion(() => Assert.Contains("user=user%40test", navigation.Uri));
        Assert.Contains($"subject={code}", navigation.Uri);
        Assert.Contains("type=qr.deny", navigation.Uri);
    }

    [Fact]
    public async Task FilterByUser_KeepsThatUsersEvents()
    {
        await Engine.Audit.WriteAsync(AuditTypes.SignIn, AuditOutcomes.Success, "admin-id");
        await Engine.Audit.WriteAsync(AuditTypes.SignIn, AuditOutcomes.Success, "user-id");
        var cut = Render<AuditLogPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));

        await cut.Find("input[data-testid=filter-user]").ChangeAsync(new() { Value = "user@test" });

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("tbody tr")));
        Assert.Contains("user@test.local", cut.Find("tbody tr").TextContent);
        Assert.Contains("user=user@test", cut.Find("a[data-testid=export]").GetAttribute("href"));
    }

    [Fact]
    public async Task PagesInTheDatabase_WithTheTotalCount()
    {
        await using (var db = Engine.Database.CreateDbContext())
        {
            for (var i = 0; i < 120; i++)
            {
                db.AuditEvents.Add(Engine.Audit.Create(AuditTypes.QrCreate, AuditOutcomes.Success, subject: $"tx-{i}"));
            }

            await db.SaveChangesAsync();
        }

        var cut = Render<AuditLogPage>();

        cut.WaitForAssertion(() => Assert.Equal(50, cut.FindAll("tbody tr").Count));
        Assert.Contains("of 120", cut.Markup);
    }
}

public sealed class AuditLogPageErrorTests() : AdminPageTestContext(failingDatabase: true)
{
    [Fact]
    public void WhenTheDatabaseFails_ShowsAnError()
    {
        var cut = Render<AuditLogPage>();

        cut.WaitForAssertion(() => Assert.Contains("Could not load", cut.Find("[data-testid=error]").TextContent));
    }
}
