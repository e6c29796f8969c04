using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using QrLoginPortal.Data;
using QrLoginPortal.Sessions;

namespace QrLoginPortal.Components.Account;

// Revalidates the connected user of an interactive circuit every minute: the security stamp and
// the session of the cookie. Pages are told at once when their session ends (SignedOutWatcher, through
// ISessionNotifier) and every admin action checks its session; this is the backstop for a session
// ended where no notifier reaches (another node before a shared bus exists, a row changed by hand).
internal sealed class IdentityRevalidatingAuthenticationStateProvider(
        ILoggerFactory loggerFactory,
        IServiceScopeFactory scopeFactory,
        IOptions<IdentityOptions> options)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromMinutes(1);

    protected override async Task<bool> ValidateAuthenticationStateAsync(
        AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        // Get the user manager from a new scope to ensure it fetches fresh data
        await using var scope = scopeFactory.CreateAsyncScope();
        var userManager = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var principal = authenticationState.User;
        if (!await ValidateSecurityStampAsync(userManager, principal))
        {
            return false;
        }

        var sessions = scope.ServiceProvider.GetRequiredService<SessionStore>();
        return Guid.TryParse(principal.FindFirstValue(SessionStore.SessionClaim), out var sessionId)
               && principal.FindFirstValue(ClaimTypes.NameIdentifier) is { } userId
               && await sessions.IsActiveOrRecentlyCheckedAsync(sessionId, userId, cancellationToken);
    }

    private async Task<bool> ValidateSecurityStampAsync(UserManager<ApplicationUser> userManager, ClaimsPrincipal principal)
    {
        var user = await userManager.GetUserAsync(principal);
        if (user is null)
        {
            return false;
        }
        else if (!userManager.SupportsUserSecurityStamp)
        {
            return true;
        }
        else
        {
            var principalStamp = principal.FindFirstValue(options.Value.ClaimsIdentity.SecurityStampClaimType);
            var userStamp = await userManager.GetSecurityStampAsync(user);
            return principalStamp == userStamp;
        }
    }
}
