using Microsoft.AspNetCore.Authorization;

namespace QrLoginPortal.Admin;

/// <summary>
/// Part of the Admin policy: the role claim in a cookie is a snapshot, so every evaluation of the
/// policy (page, route, CSV export) also asks the database through <see cref="AdminGuard"/>.
/// </summary>
public sealed class StillAdminRequirement : IAuthorizationRequirement;

public sealed class StillAdminHandler(AdminGuard guard) : AuthorizationHandler<StillAdminRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, StillAdminRequirement requirement)
    {
        if (await guard.IsAdminNowAsync(context.User))
        {
            context.Succeed(requirement);
        }
    }
}
