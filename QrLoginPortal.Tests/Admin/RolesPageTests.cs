using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Admin;
using QrLoginPortal.Audit;
using QrLoginPortal.Badges;

namespace QrLoginPortal.Tests.Admin;

public sealed class RolesPageTests : AdminPageTestContext
{
    private BadgeService Badges => Services.GetRequiredService<BadgeService>();
    private BadgePolicyStore BadgePolicies => Services.GetRequiredService<BadgePolicyStore>();
    private BadgeSignInCheck BadgeCheck => Services.GetRequiredService<BadgeSignInCheck>();

    [Fact]
    public async Task CreatingARole_AndPuttingAUserInIt_IsAudited_AndTheBadgePolicyCanNameIt()
    {
        var cut = Render<RolesPage>();
        cut.WaitForAssertion(() => Assert.Contains("Admin", cut.Find("[data-testid=roles]").TextContent));

        await cut.Find("input[data-testid=new-role]").ChangeAsync(new() { Value = "Pupils" });
        await cut.Find("button[data-testid=create-role]").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Contains("Pupils was created", cut.Find("[data-testid=message]").TextContent));

        await cut.Find("button[data-testid=members-Pupils]").ClickAsync(new());
        cut.WaitForAssertion(() => cut.Find("[data-testid=no-members]"));
        await cut.Find("input[data-testid=member-email]").ChangeAsync(new() { Value = "user@test.local" });
        await cut.Find("button[data-testid=add-member]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("user@test.local", cut.Find("[data-testid=member]").TextContent));
        await using (var db = Engine.Database.CreateDbContext())
        {
            Assert.True(await db.AuditEvents.AnyAsync(e => e.Type == AuditTypes.RoleCreate && e.UserId == "admin-id"));
            Assert.True(await db.AuditEvents.AnyAsync(e => e.Type == AuditTypes.UserRoleAdd && e.Subject == "user-id" && e.Details!.Contains("Pupils")));
        }

        // The badge page offers the new role, and a policy naming it lets its members (and only them) use badges.
        Assert.Contains("Pupils", await BadgePolicies.RoleNamesAsync());
        Assert.Empty(await BadgePolicies.UpdateAsync(new BadgePolicy { Enabled = true, AllowedRoles = ["Pupils"] }, "admin-id", "admin", null));
        Assert.True(await Badges.MayUseBadgesAsync("user-id"));
        Assert.False(await Badges.MayUseBadgesAsync("admin-id"));
        var badges = Render<BadgesPage>();
        badges.WaitForAssertion(() => badges.Find("[data-testid=allowed-Pupils]"));
    }

    [Fact]
    public async Task TheAdminRole_CannotBeDeleted_NorARoleTheBadgePolicyNames()
    {
        var actor = new AdminActor("admin-id", "admin@test.local", null, AdminSessionId);
        var roles = Services.GetRequiredService<RoleAdmin>();
        Assert.True((await roles.CreateAsync(actor, "Pupils")).Succeeded);
        Assert.Empty(await BadgePolicies.UpdateAsync(new BadgePolicy { Enabled = true, AllowedRoles = ["User", "Pupils"] }, "admin-id", "admin", null));
        var cut = Render<RolesPage>();
        cut.WaitForAssertion(() => cut.Find("button[data-testid=delete-Pupils]"));
        Assert.Empty(cut.FindAll("button[data-testid=delete-Admin]"));

        await cut.Find("button[data-testid=delete-Pupils]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("take it out of the badge policy", cut.Find("[data-testid=error]").TextContent));
        Assert.Contains("Pupils", await BadgePolicies.RoleNamesAsync());
        var admin = await roles.DeleteAsync(actor, "Admin");
        Assert.False(admin.Succeeded);
        Assert.Contains("cannot be deleted", admin.Message);

        Assert.Empty(await BadgePolicies.UpdateAsync(new BadgePolicy { Enabled = true, AllowedRoles = ["User"] }, "admin-id", "admin", null));
        Assert.True((await roles.DeleteAsync(actor, "Pupils")).Succeeded);
        Assert.DoesNotContain("Pupils", await BadgePolicies.RoleNamesAsync());
    }

    [Fact]
    public async Task ARoleNamedUser_IsRefused_AndADemotedAdminChangesNothing()
    {
        var cut = Render<RolesPage>();
        cut.WaitForAssertion(() => cut.Find("[data-testid=roles]"));

        await cut.Find("input[data-testid=new-role]").ChangeAsync(new() { Value = "user" });
        await cut.Find("button[data-testid=create-role]").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Contains("everyone but administrators", cut.Find("[data-testid=error]").TextContent));

        await DemoteAdminAsync();
        await cut.Find("input[data-testid=new-role]").ChangeAsync(new() { Value = "Pupils" });
        await cut.Find("button[data-testid=create-role]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("no longer an administrator", cut.Find("[data-testid=error]").TextContent));
        Assert.DoesNotContain("Pupils", await BadgePolicies.RoleNamesAsync());
    }
}
