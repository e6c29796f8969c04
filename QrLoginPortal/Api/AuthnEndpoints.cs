using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using QrLoginPortal.SignIn;
using Answer = Microsoft.AspNetCore.Http.HttpResults.Results<
    Microsoft.AspNetCore.Http.HttpResults.Ok<QrLoginPortal.Api.AuthnStarted>,
    Microsoft.AspNetCore.Http.HttpResults.Ok<QrLoginPortal.Api.AuthnNextStep>,
    Microsoft.AspNetCore.Http.HttpResults.Ok<QrLoginPortal.Api.AuthnPasswordStep>,
    Microsoft.AspNetCore.Http.HttpResults.Ok<QrLoginPortal.Api.AuthnCompleted>,
    Microsoft.AspNetCore.Http.HttpResults.JsonHttpResult<QrLoginPortal.Api.ApiError>,
    QrLoginPortal.Api.ApiError.RetryLaterResult>;

namespace QrLoginPortal.Api;

/// <summary>A step of the RapidIdentity-style authn API (seed 002): the method, the flow id, and what the method needs.</summary>
public sealed record AuthnRequest(string? Type, string? Id, string? Value, string? Username, string? Password);

public sealed record AuthnLink(string Href, string DisplayName);

/// <summary>The first answer: the first method, and whether a badge may be scanned instead.</summary>
public sealed record AuthnStarted(string Type, string Id, [property: JsonPropertyName("allowQRCodeScan")] bool AllowQrCodeScan,
    AuthnLink[] HelpLinks);

/// <summary>The method the flow needs next (after a password: the badge).</summary>
public sealed record AuthnNextStep(string Type, string Id);

/// <summary>An ID badge named the user: their password is asked next.</summary>
public sealed record AuthnPasswordStep(string Type, string Id, string Username);

/// <summary>Signed in: the tokens of the module-chain API's Success.</summary>
public sealed record AuthnCompleted(string Type, string Id, string NextModule, string Token, string JwtToken, string Oauth2Token, int ExpiresIn,
    ModuleChainUserData UserData, ModuleChainSettings Settings);

/// <summary>
/// POST /idp/ws/rest/authn (seed 002): start a flow (empty body), then either
/// <c>{"type":"qrCode","id","value"}</c> with a badge as the first step, or
/// <c>{"type":"username+password","id","username","password"}</c>, after which the policy may ask for
/// <c>{"type":"qrCode","id","value"}</c> with the user's own badge.
/// </summary>
public static class AuthnEndpoints
{
    public const string Path = "/idp/ws/rest/authn";
    public const string PasswordType = "username+password";
    public const string QrCodeType = "qrCode";
    public const string SessionMethod = "badge-api";

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost(Path, AuthenticateAsync)
            .DisableAntiforgery()
            .RequireRateLimiting(ApiExtensions.AuthnRateLimitPolicy)
            .Accepts<AuthnRequest>("application/json")
            // The 200 shapes come from the handler's typed results; the document keeps the last (AuthnCompleted).
            .Produces<ApiError>(StatusCodes.Status400BadRequest)
            .Produces<ApiError>(StatusCodes.Status401Unauthorized)
            .Produces<ApiError>(StatusCodes.Status413PayloadTooLarge)
            .Produces<ApiError>(StatusCodes.Status429TooManyRequests)
            .WithTags(ApiDocument.Tags.Authn)
            .WithName("Authn")
            .WithSummary("Badge and password sign-in (seed 002): an empty body starts a flow {type, id, allowQRCodeScan}; " +
                         "{type:\"qrCode\", id, value} signs in with a badge; {type:\"username+password\", id, username, password} " +
                         "answers {type:\"qrCode\", id} when the policy wants the badge too; complete: {type:\"complete\", token, jwtToken, oauth2Token, …}.");

    private static async Task<Answer> AuthenticateAsync(HttpContext context, AuthnFlows flows, PortalSignIn signIn, UserSignInTokens signInTokens)
    {
        var (body, error) = await ApiJson.ReadOptionalAsync<AuthnRequest>(context, "{\"type\": \"qrCode\", \"id\": \"…\", \"value\": \"…\"}");
        if (error is not null)
        {
            return error;
        }

        body ??= new AuthnRequest(null, null, null, null, null);
        if (body.Type is not (null or "" or PasswordType or QrCodeType))
        {
            return ApiError.BadRequest("type", $"type must be \"{PasswordType}\" or \"{QrCodeType}\".");
        }

        AuthnFlow flow;
        if (string.IsNullOrEmpty(body.Id))
        {
            // The binding cookie is set when the flow starts: the token it ends with signs in only this client's browser.
            flow = flows.Start(BrowserBinding.Ensure(context));
            if (body.Value is null && body.Password is null)
            {
                return TypedResults.Ok(new AuthnStarted(PasswordType, flow.Id.ToString(),
                    (await signIn.BadgeOfferAsync(context.RequestAborted)).StartsSignIn,
                    [new AuthnLink("/Account/ForgotPassword", "Forgot My Password")]));
            }
        }
        else if (flows.Find(body.Id) is { } found)
        {
            flow = found;
        }
        else
        {
            return FlowGone();
        }

        return body.Type == QrCodeType || (string.IsNullOrEmpty(body.Type) && body.Value is not null)
            ? await BadgeAsync(context, flow, body, flows, signIn, signInTokens)
            : await PasswordAsync(context, flow, body, flows, signIn, signInTokens);
    }

    private static async Task<Answer> PasswordAsync(HttpContext context, AuthnFlow flow, AuthnRequest body, AuthnFlows flows,
        PortalSignIn signIn, UserSignInTokens signInTokens)
    {
        if (flow.Step != AuthnStep.Initial)
        {
            return ApiError.BadRequest("type", $"This sign-in waits for the badge: send type \"{QrCodeType}\" with its value.");
        }

        if (string.IsNullOrEmpty(body.Username))
        {
            return ApiError.BadRequest("username", "username is required.");
        }

        if (string.IsNullOrEmpty(body.Password))
        {
            return ApiError.BadRequest("password", "password is required.");
        }

        var decision = await signIn.PasswordAsync(body.Username, body.Password, startSession: false, rememberMe: false, context.ClientIp(),
            context.RequestAborted);
        return decision.Verdict switch
        {
            SignInVerdict.Throttled => ApiError.TooMany(decision.RetryAfter!.Value),
            // This API has no authenticator-code step: such an account signs in on the sign-in page.
            SignInVerdict.TwoFactor => Refused("This account also needs its authenticator app's code: sign in on the portal's sign-in page."),
            SignInVerdict.BadgeStep => flows.AwaitBadge(flow, decision.User!.Id)
                ? TypedResults.Ok(new AuthnNextStep(QrCodeType, flow.Id.ToString()))
                : FlowGone(),
            SignInVerdict.Verified => await CompleteAsync(context, flow, decision, flows, signInTokens),
            _ => Refused("Wrong username or password, or the account cannot sign in now."),
        };
    }

    private static async Task<Answer> BadgeAsync(HttpContext context, AuthnFlow flow, AuthnRequest body, AuthnFlows flows,
        PortalSignIn signIn, UserSignInTokens signInTokens)
    {
        if (string.IsNullOrEmpty(body.Value))
        {
            return ApiError.BadRequest("value", "value is required: the text read from the badge's QR code.");
        }

        // After a password the badge must be that user's; before, an insecure ID badge only names the user
        // (seed 002's insecureQRIdEnabled): the password comes next.
        var decision = await signIn.BadgeAsync(body.Value, flow.Step == AuthnStep.QrCode ? flow.UserId : null, context.ClientIp(),
            context.RequestAborted);
        return decision.Verdict switch
        {
            SignInVerdict.IdBadgeNamed => TypedResults.Ok(new AuthnPasswordStep(PasswordType, flow.Id.ToString(), decision.User!.UserName!)),
            SignInVerdict.Verified => await CompleteAsync(context, flow, decision, flows, signInTokens),
            _ => decision.RetryAfter is { } wait ? ApiError.TooMany(wait) : Refused("This badge cannot sign you in."),
        };
    }

    private static async Task<Answer> CompleteAsync(HttpContext context, AuthnFlow flow, SignInDecision proven, AuthnFlows flows,
        UserSignInTokens signInTokens)
    {
        if (!flows.Complete(flow))
        {
            return FlowGone();
        }

        var tokens = await signInTokens.IssueAsync(context, proven.User!, SessionMethod, proven.Method!, [], flow.BrowserBindingHash, context.RequestAborted);
        return TypedResults.Ok(new AuthnCompleted("complete", flow.Id.ToString(), ModuleChainEndpoints.Success, tokens.Token, tokens.JwtToken,
            tokens.Oauth2Token, tokens.ExpiresIn, tokens.UserData, tokens.Settings));
    }

    private static JsonHttpResult<ApiError> FlowGone() =>
        ApiError.BadRequest("id", "id is not a sign-in in progress (it may have expired): start again with an empty body.");

    private static JsonHttpResult<ApiError> Refused(string message) =>
        TypedResults.Json(new ApiError("authentication_failed", message), statusCode: StatusCodes.Status401Unauthorized);
}
