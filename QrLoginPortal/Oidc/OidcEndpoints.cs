using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Primitives;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Sessions;
using QrLoginPortal.SignIn;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace QrLoginPortal.Oidc;

/// <summary>
/// The passthrough endpoints of the OpenID Connect provider. OpenIddict has validated each request (client, redirect
/// URI, PKCE, scopes) before a handler runs; the handlers decide who is signed in and what the application learns.
/// </summary>
public static class OidcEndpoints
{
    public const string AuthorizePath = "/connect/authorize";
    public const string UserInfoPath = "/connect/userinfo";
    public const string EndSessionPath = "/connect/endsession";
    public const string LoginPath = "/login";

    /// <summary>The consent page (Components/Account/Pages/Consent.razor), which posts its answer back to the authorization endpoint.</summary>
    public const string ConsentPath = "/connect/consent";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapMethods(AuthorizePath, [HttpMethods.Get, HttpMethods.Post], AuthorizeAsync).DisableAntiforgery().ExcludeFromDescription();
        app.MapMethods(UserInfoPath, [HttpMethods.Get, HttpMethods.Post], UserInfoAsync).DisableAntiforgery().ExcludeFromDescription();
        app.MapMethods(EndSessionPath, [HttpMethods.Get, HttpMethods.Post], (Delegate)EndSessionAsync).DisableAntiforgery().ExcludeFromDescription();
    }

    private static async Task<IResult> AuthorizeAsync(HttpContext context, OidcClaims claims, QrSettingsStore qrSettings, TimeProvider clock,
        OidcConsents consents, IAntiforgery antiforgery)
    {
        var request = context.GetOpenIddictServerRequest()!;
        var now = clock.GetUtcNow();
        var wantsQr = request.GetAcrValues().Contains(OidcClaims.QrAcr);
        if (wantsQr && !(await qrSettings.GetAsync(context.RequestAborted)).Enabled)
        {
            return Refuse(Errors.UnmetAuthenticationRequirements, "QR sign-in is switched off on this portal.");
        }

        var cookie = await context.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var principal = cookie.Succeeded ? cookie.Principal : null;
        var session = await claims.FindSessionAsync(principal?.FindFirstValue(ClaimTypes.NameIdentifier),
            principal?.FindFirstValue(SessionStore.SessionClaim), context.RequestAborted);
        var user = session is null ? null : await claims.FindUserAsync(session.UserId, now);

        var fresh = session is not null && user is not null
                    && !request.HasPromptValue(PromptValues.Login)
                    && !(request.MaxAge is { } maxAge && (now - session.SignedInAt).TotalSeconds > maxAge)
                    && !(wantsQr && !session.IsQr);
        if (!fresh)
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Refuse(wantsQr && session is not null ? Errors.UnmetAuthenticationRequirements : Errors.LoginRequired,
                    "The person has to sign in at the portal first.");
            }

            // A sign-in that does not meet the request is replaced, not topped up, but only once the person has signed
            // in again: the sign-in page offers that to a signed-in browser too, and a new sign-in there ends the old
            // session (SessionExtensions). Nothing ends here: any page can send a browser to this address with a GET.
            var returnUrl = ReturnUrl(context, request);
            if (!ReturnUrls.IsLocal(returnUrl))
            {
                // The sign-in page would not come back to a request this long (ReturnUrls.MaxLength): the person would sign
                // in and land on the portal's home page. The application is told instead, while it can still do something.
                return Refuse(Errors.InvalidRequest,
                    $"The authorization request is too long to return to after signing in (at most {ReturnUrls.MaxLength} characters); shorten its state or other parameters.");
            }

            return TypedResults.Redirect(LoginPath + QueryString.Create("ReturnUrl", returnUrl));
        }

        var granted = await claims.PrincipalAsync(user!, session!, request.GetScopes());
        if (await OidcConsentStep.AskAsync(context, request, consents, antiforgery, granted, user!.Id) is { } asked)
        {
            return asked;
        }

        return TypedResults.SignIn(granted, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    /// <summary>The authorization request again, as a local URL for the sign-in page to return to, without the prompt it has just answered.</summary>
    private static string ReturnUrl(HttpContext context, OpenIddictRequest request)
    {
        // Only "login" is answered by signing in; "consent" still has to show the consent page afterwards.
        var prompt = string.Join(' ', request.GetPromptValues().Where(p => p != PromptValues.Login));
        var parameters = RequestParameters(request)
            .Where(p => p.Key != Parameters.Prompt)
            .Append(new(Parameters.Prompt, prompt))
            .Where(p => p.Key != Parameters.Prompt || prompt.Length > 0);
        return context.Request.PathBase + AuthorizePath + QueryString.Create(parameters);
    }

    /// <summary>The parameters of the authorization request, without what the consent page's form adds to it.</summary>
    public static IEnumerable<KeyValuePair<string, StringValues>> RequestParameters(OpenIddictRequest request) =>
        request.GetParameters()
            .Where(p => !OidcConsents.FormFields.Contains(p.Key))
            .Select(p => new KeyValuePair<string, StringValues>(p.Key, (string?)p.Value ?? ""));

    private static async Task<IResult> UserInfoAsync(HttpContext context, OidcClaims claims, TimeProvider clock)
    {
        var token = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        if (token.Principal is null
            || await claims.StillSignedInAsync(token.Principal, clock.GetUtcNow(), context.RequestAborted) is not var (user, _))
        {
            return TypedResults.Challenge(new AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidToken,
                [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "The sign-in this token belongs to has ended.",
            }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }

        var answer = new Dictionary<string, object?> { [Claims.Subject] = user.Id };
        if (token.Principal.HasScope(Scopes.Profile))
        {
            answer[Claims.Name] = user.UserName;
            answer[Claims.PreferredUsername] = user.UserName;
        }

        if (token.Principal.HasScope(Scopes.Email))
        {
            answer[Claims.Email] = user.Email;
            answer[Claims.EmailVerified] = user.EmailConfirmed;
        }

        if (token.Principal.HasScope(Scopes.Roles))
        {
            answer[Claims.Role] = token.Principal.GetClaims(Claims.Role);
        }

        return TypedResults.Ok(answer);
    }

    /// <summary>
    /// RP-initiated logout. The portal's own sign-in ends only when the application proves whose sign-out it asks
    /// for (an id_token_hint of the person signed in here), so a link on another site cannot sign anyone out.
    /// </summary>
    private static async Task<IResult> EndSessionAsync(HttpContext context)
    {
        var hint = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        var cookie = await context.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var hintSubject = hint.Principal?.GetClaim(Claims.Subject);
        if (cookie.Succeeded && hintSubject is not null && hintSubject == cookie.Principal.FindFirstValue(ClaimTypes.NameIdentifier))
        {
            await context.SignOutAsync(IdentityConstants.ApplicationScheme);
        }

        // OpenIddict redirects to the post_logout_redirect_uri it validated against the application's registration.
        return TypedResults.SignOut(new AuthenticationProperties { RedirectUri = "/" },
            [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    public static ForbidHttpResult Refuse(string error, string description) =>
        TypedResults.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
