using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.StaticAssets;
using QrLoginPortal.Data;
using QrLoginPortal.SignIn;

namespace QrLoginPortal.Components.Account;

/// <summary>
/// Keeps a person whose password was given to them (the generated first administrator's, printed on
/// the console) on "Choose your password" until they have chosen one: every page leads there, every
/// other endpoint refuses. The mark is a user claim, so it rides in the session cookie and costs no
/// query; choosing a password removes it and re-issues the cookie.
/// </summary>
public static class ChoosePasswordGate
{
    public const string PagePath = "/Account/ChoosePassword";

    // What a person who must choose may still do: choose, or leave.
    private static readonly string[] OpenPaths = [PagePath, "/Account/Logout"];

    public static IApplicationBuilder UseChoosePasswordGate(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (MustChoose(context.User) && !MayPass(context))
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<ComponentTypeMetadata>() is not null)
            {
                var returnUrl = ReturnUrls.LocalOrRoot(context.Request.PathBase + context.Request.Path + context.Request.QueryString);
                context.Response.Redirect($"{context.Request.PathBase}{PagePath}?ReturnUrl={Uri.EscapeDataString(returnUrl)}");
            }
            else
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
            }

            return;
        }

        await next(context);
    });

    /// <summary>Whether the signed-in <paramref name="user"/> has still to choose a password.</summary>
    public static bool MustChoose(System.Security.Claims.ClaimsPrincipal user) =>
        user.HasClaim(c => c.Type == ApplicationUser.MustChoosePasswordClaim);

    /// <summary>The person chose a password (on the page, or through a password link): the gate opens for good.</summary>
    public static async Task<IdentityResult> MarkAsChosenAsync(UserManager<ApplicationUser> users, ApplicationUser user)
    {
        var marks = (await users.GetClaimsAsync(user)).Where(c => c.Type == ApplicationUser.MustChoosePasswordClaim).ToList();
        return marks.Count == 0 ? IdentityResult.Success : await users.RemoveClaimsAsync(user, marks);
    }

    private static bool MayPass(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        // No endpoint: a 404, whose not-found page (a re-execution) follows; a static file: the page needs its styles.
        return endpoint is null
            || context.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodeReExecuteFeature>() is not null
            || endpoint.Metadata.GetMetadata<StaticAssetDescriptor>() is not null
            || context.Request.Path.StartsWithSegments("/_blazor")
            || OpenPaths.Any(p => context.Request.Path.Equals(p, StringComparison.OrdinalIgnoreCase));
    }
}
