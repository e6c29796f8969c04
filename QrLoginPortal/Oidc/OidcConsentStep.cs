using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace QrLoginPortal.Oidc;

/// <summary>
/// The consent step of the authorization endpoint, after the person is signed in. An application with implicit
/// consent passes straight through; one with explicit consent needs the person's permanent authorization for the
/// scopes asked, else the consent page, whose Allow / Deny comes back here as a POST of the same request.
/// </summary>
public static class OidcConsentStep
{
    /// <summary>The answer to send instead of the code, or null to issue the code with <paramref name="granted"/>.</summary>
    public static async Task<IResult?> AskAsync(HttpContext context, OpenIddictRequest request, OidcConsents consents, IAntiforgery antiforgery,
        ClaimsPrincipal granted, string userId)
    {
        var ct = context.RequestAborted;
        // OpenIddict has validated the client before the handler runs, so it exists.
        if (await consents.FindApplicationAsync(request.ClientId, ct) is not { AsksConsent: true } application)
        {
            return null;
        }

        var scopes = granted.GetScopes();
        // Only a POST from the consent page answers it: a GET link carrying consent=allow must not grant anything,
        // and the antiforgery token proves the page was this portal's, shown to this person.
        var decision = HttpMethods.IsPost(context.Request.Method) ? (string?)request[OidcConsents.DecisionField] : null;
        if (decision is OidcConsents.Allow or OidcConsents.Deny && await antiforgery.IsRequestValidAsync(context))
        {
            if (decision == OidcConsents.Deny)
            {
                await consents.DeniedAsync(userId, application, scopes, context.ClientIp(), ct);
                return OidcEndpoints.Refuse(Errors.AccessDenied, "The person did not allow the application.");
            }

            granted.SetAuthorizationId(await consents.GiveAsync(granted, userId, application, scopes, context.ClientIp(), ct));
            return null;
        }

        if (!request.HasPromptValue(PromptValues.Consent) && await consents.FindAsync(userId, application, scopes, ct) is { } given)
        {
            // Tokens hang on the consent, so revoking it on the account page ends them.
            granted.SetAuthorizationId(given);
            return null;
        }

        if (request.HasPromptValue(PromptValues.None))
        {
            return OidcEndpoints.Refuse(Errors.ConsentRequired, "The person has not allowed this application yet.");
        }

        // The page carries the request on (the same parameters the application sent, nothing secret added).
        return TypedResults.Redirect(context.Request.PathBase + OidcEndpoints.ConsentPath + QueryString.Create(OidcEndpoints.RequestParameters(request)));
    }
}
