using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using QrLoginPortal.Data;

namespace QrLoginPortal.Sessions;

/// <summary>
/// Identity's sign-in manager, whose refresh says that it is one. Identity re-issues the cookie of the browser that
/// changed its password, e-mail or two-factor set-up through <see cref="RefreshSignInAsync"/>: that browser keeps its
/// session. Every other sign-in (password, passkey, QR, badge, registration) proved who the person is anew, so the
/// cookie events give it a new session and end the one the browser had (see <see cref="SessionExtensions"/>).
/// </summary>
public sealed class SessionKeepingSignInManager(
    UserManager<ApplicationUser> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<ApplicationUser> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<ApplicationUser>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<ApplicationUser> confirmation)
    : SignInManager<ApplicationUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    // A key no request can set: only this method marks a sign-in as a refresh.
    private static readonly object RefreshKey = new();

    public override async Task RefreshSignInAsync(ApplicationUser user)
    {
        Context.Items[RefreshKey] = true;
        try
        {
            await base.RefreshSignInAsync(user);
        }
        finally
        {
            Context.Items.Remove(RefreshKey);
        }
    }

    /// <summary>Whether the cookie being issued now is Identity's refresh of this browser's own sign-in.</summary>
    public static bool IsRefreshing(HttpContext context) => context.Items.ContainsKey(RefreshKey);

    /// <summary>Puts this manager where Identity's is.</summary>
    public static void Register(IServiceCollection services) =>
        services.Replace(ServiceDescriptor.Scoped<SignInManager<ApplicationUser>, SessionKeepingSignInManager>());
}
