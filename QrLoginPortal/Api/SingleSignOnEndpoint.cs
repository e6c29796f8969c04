using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using QrLoginPortal.Audit;
using QrLoginPortal.Data;
using QrLoginPortal.Sessions;
using QrLoginPortal.SignIn;

namespace QrLoginPortal.Api;

/// <summary>
/// <c>POST /v1.0/authenticate/sso</c>: a browser posts the single sign-on token of a completed authn
/// flow or module chain (form field, never the URL) and gets the portal's cookie in that flow's
/// session. Login CSRF (another site posting an attacker's token in a victim's browser) is stopped
/// three ways, all checked before the token is spent: the post must not come from another site, the
/// token is found only together with the binding cookie of the browser that started the flow, and a
/// browser signed in as someone else is asked before it switches.
/// </summary>
/// <summary>The form a browser posts (its fields as <see cref="SingleSignOnEndpoint"/> reads them), for the API document.</summary>
public sealed record SingleSignOnForm(string Token, string? ReturnUrl, string? Confirm);

public static class SingleSignOnEndpoint
{
    public const string Path = "/v1.0/authenticate/sso";
    private const string ConfirmField = "confirm";
    private const string ConfirmValue = "switch";

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost(Path, SignInAsync)
            // Only the account-switch confirmation carries an antiforgery token; it is checked by hand there.
            .DisableAntiforgery()
            .RequireRateLimiting(ApiExtensions.SingleSignOnRateLimitPolicy)
            .Accepts<SingleSignOnForm>("application/x-www-form-urlencoded")
            .Produces(StatusCodes.Status302Found)
            .Produces(StatusCodes.Status200OK, contentType: "text/html")
            .Produces(StatusCodes.Status400BadRequest, contentType: "text/html")
            .Produces<ApiError>(StatusCodes.Status403Forbidden, "application/json", "text/html")
            .Produces(StatusCodes.Status429TooManyRequests, contentType: "text/plain")
            .WithTags(ApiDocument.Tags.ModuleChain)
            .WithName("ModuleChainSingleSignOn")
            .WithSummary("Form post of token (and returnUrl) by the browser that started the flow: signs it in to the portal in the " +
                         "session the flow opened, once. Posts from another site are refused (403); over another user's session a " +
                         "confirmation page asks first.");

    private static async Task<Results<RedirectHttpResult, ContentHttpResult, JsonHttpResult<ApiError>>> SignInAsync(HttpContext context, SessionStore sessions, SignInManager<ApplicationUser> signInManager,
        IAntiforgery antiforgery, AuditLog audit)
    {
        var ct = context.RequestAborted;
        var ip = context.ClientIp();
        // First of all, before the body is read: a post another site's page started is refused with its token untouched.
        if (PublicOrigin.IsFromAnotherSite(context))
        {
            await audit.WriteAsync(AuditTypes.SignIn, AuditOutcomes.Refused, null, null, ip, "single sign-on token posted from another site", ct);
            return CrossSiteRefusal(context);
        }

        var form = await Forms.ReadAsync(context);
        if (form.Malformed)
        {
            return TypedResults.Redirect(QrSignInEndpoints.FailedRedirect);
        }

        var token = form["token"];
        var returnUrl = ReturnUrls.LocalOrRoot(form["returnUrl"]);
        var binding = BrowserBinding.Read(context);
        var holder = await sessions.FindSsoTokenAsync(token, binding, ct);
        if (holder is null
            || await signInManager.UserManager.FindByIdAsync(holder.UserId) is not { } user
            || !await signInManager.CanSignInNowAsync(user))
        {
            await audit.WriteAsync(AuditTypes.SignIn, AuditOutcomes.Refused, holder?.UserId, holder?.SessionId.ToString(), ip,
                "unknown, expired or used single sign-on token, another browser's, or an account that cannot sign in", ct);
            return TypedResults.Redirect(QrSignInEndpoints.FailedRedirect);
        }

        var current = context.User.FindFirstValue(ClaimTypes.NameIdentifier);
        var switchesAccount = current is not null && current != user.Id;
        if (switchesAccount && form[ConfirmField] != ConfirmValue)
        {
            return ConfirmationPage(context, antiforgery, token!, returnUrl, context.User.Identity?.Name ?? current!, user.ShownName);
        }

        if (switchesAccount && !await antiforgery.IsRequestValidAsync(context))
        {
            return Page(StatusCodes.Status400BadRequest, "Confirmation not accepted",
                "<p>This confirmation did not come from the portal's own page, or it has expired. Nobody was signed in.</p>" +
                "<p><a href=\"/\">Back to the portal</a></p>");
        }

        if (!await sessions.SpendSsoTokenAsync(token!, binding!, ip, ct))
        {
            return TypedResults.Redirect(QrSignInEndpoints.FailedRedirect);
        }

        // The cookie's events end the session this browser had, as for any sign-in that replaces it.
        await signInManager.SignInWithClaimsAsync(user, isPersistent: false,
            [new Claim(SessionStore.SessionClaim, holder.SessionId.ToString()), new Claim(ClaimTypes.AuthenticationMethod, holder.Method)]);
        return TypedResults.Redirect(returnUrl);
    }

    private static Results<RedirectHttpResult, ContentHttpResult, JsonHttpResult<ApiError>> CrossSiteRefusal(HttpContext context)
    {
        const string message = "This sign-in was sent from another site, so the portal refused it. Sign in on the portal itself.";
        var accept = context.Request.Headers.Accept.ToString();
        if (accept.Contains("application/json", StringComparison.OrdinalIgnoreCase) && !accept.Contains("text/html", StringComparison.OrdinalIgnoreCase))
        {
            return TypedResults.Json(new ApiError("cross_site_request", message), statusCode: StatusCodes.Status403Forbidden);
        }

        return Page(StatusCodes.Status403Forbidden, "Sign-in refused",
            $"<p>{HtmlEncoder.Default.Encode(message)}</p><p><a href=\"/login\">Go to the sign-in page</a></p>");
    }

    /// <summary>Same-origin, antiforgery-protected: the person sees whose account the browser would switch to, and chooses.</summary>
    private static ContentHttpResult ConfirmationPage(HttpContext context, IAntiforgery antiforgery, string token, string returnUrl, string currentName,
        string newName)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var e = HtmlEncoder.Default;
        return Page(StatusCodes.Status200OK, "Switch account?", $"""
            <p>This browser is signed in as <strong>{e.Encode(currentName)}</strong>.</p>
            <p>A sign-in asks to switch it to the account <strong class="sso-account">{e.Encode(newName)}</strong>.</p>
            <p>If you did not just sign in to that account yourself, another site may be trying to sign you in to an account it
            controls, to see what you do there: stay signed in as {e.Encode(currentName)}.</p>
            <form method="post" action="{Path}">
              <input type="hidden" name="token" value="{e.Encode(token)}" />
              <input type="hidden" name="returnUrl" value="{e.Encode(returnUrl)}" />
              <input type="hidden" name="{ConfirmField}" value="{ConfirmValue}" />
              <input type="hidden" name="{e.Encode(tokens.FormFieldName)}" value="{e.Encode(tokens.RequestToken ?? "")}" />
              <button type="submit" class="btn btn-outline-primary">Continue as {e.Encode(newName)}</button>
              <a class="btn btn-primary" href="/">Stay signed in as {e.Encode(currentName)}</a>
            </form>
            """);
    }

    private static ContentHttpResult Page(int status, string title, string body) =>
        TypedResults.Content($"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1" />
            <title>{HtmlEncoder.Default.Encode(title)} · QrLoginPortal</title>
            <link rel="stylesheet" href="/_content/MudBlazor/MudBlazor.min.css" /><link rel="stylesheet" href="/portal-forms.css" /><link rel="stylesheet" href="/app.css" /></head>
            <body><main class="account-card" style="max-width: 40rem; margin: 2rem auto"><h1>{HtmlEncoder.Default.Encode(title)}</h1>
            {body}
            </main></body></html>
            """, "text/html; charset=utf-8", statusCode: status);
}
