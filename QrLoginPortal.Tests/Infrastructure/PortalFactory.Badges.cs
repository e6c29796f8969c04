using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Badges;
using QrLoginPortal.Data;

namespace QrLoginPortal.Tests.Infrastructure;

public partial class PortalFactory
{
    public BadgeService Badges => Services.GetRequiredService<BadgeService>();
    public BadgePolicyStore BadgePolicies => Services.GetRequiredService<BadgePolicyStore>();

    /// <summary>Badges for the User role: on or off, alone or only after a password, and asked of Users after their password or not.</summary>
    public async Task SetBadgePolicyAsync(bool enabled, bool firstStep = true, bool secondStep = false, int lifetimeDays = 0) =>
        Assert.Empty(await BadgePolicies.UpdateAsync(new BadgePolicy
        {
            Enabled = enabled,
            AllowAsFirstStep = firstStep,
            AllowedRoles = [BadgeRoles.User],
            SecondStepRoles = secondStep ? [BadgeRoles.User] : [],
            LifetimeDays = lifetimeDays,
        }, null, "test", null));

    /// <summary>A new confirmed user (password <see cref="DemoPassword"/>) holding a freshly issued badge.</summary>
    public async Task<(string UserId, IssuedBadge Badge)> UserWithBadgeAsync(string email)
    {
        var userId = await CreateUserAsync(email);
        return (userId, (await Badges.IssueAsync(userId, null, null))!);
    }

    public async Task<int> AccessFailedCountAsync(string userId)
    {
        using var scope = Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        return await users.GetAccessFailedCountAsync((await users.FindByIdAsync(userId))!);
    }
}
