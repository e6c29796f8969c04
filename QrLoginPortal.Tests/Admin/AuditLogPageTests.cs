using Bunit;
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
        Assert.Contains("qr.deny", rows[0].TextContent);
        Assert.Contains("user@test.local", rows[0].TextContent);
        Assert.Contains("user.lock", rows[1].TextContent);
        Assert.Contains("admin@test.local", rows[1].TextContent);
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
