using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Validation.AspNetCore;
using QrLoginPortal.Data;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Sessions;

namespace QrLoginPortal.Api;

/// <summary>The attempt body of seed 003: the lsi read from the QR code; <c>userId</c> only for an authenticator backend.</summary>
public sealed record AttemptRequest(string? Lsi, string? UserId);

public sealed record AttemptAssertion(string Assertion);

/// <summary>
/// POST /v2.0/factors/qr/{id}: completes a PENDING transaction from an authenticated context: a
/// signed-in user of the portal (their session cookie, the body must be JSON, which a cross-site page
/// cannot send; or their bearer token from the module-chain API), or an API client with
/// <c>verifyAsAuthenticator</c> naming the user it vouches for.
/// </summary>
public static class AttemptEndpoint
{
    public const string Policy = "ApiAttempt";

    public static void AddPolicy(AuthorizationBuilder authorization) =>
        authorization.AddPolicy(Policy, policy => policy
            .AddAuthenticationSchemes(IdentityConstants.ApplicationScheme, SessionBearerTokens.Scheme,
                OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
            .RequireAuthenticatedUser()
            .AddRequirements(new ActiveSessionRequirement()));

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/v2.0/factors/qr/{id:guid}", AttemptAsync)
            .RequireAuthorization(Policy)
            .DisableAntiforgery()
            .WithTags(ApiDocument.Tags.Qr)
            // The typed results declare 200 {assertion} and 204; the JSON errors' statuses are chosen at run time.
            .Produces(StatusCodes.Status401Unauthorized)
            .Produces<ApiError>(StatusCodes.Status400BadRequest)
            .Produces<ApiError>(StatusCodes.Status403Forbidden)
            .Produces<ApiError>(StatusCodes.Status404NotFound)
            .Produces<ApiError>(StatusCodes.Status413PayloadTooLarge)
            .Produces<ApiError>(StatusCodes.Status429TooManyRequests)
            .WithName("AttemptQrTransaction")
            .WithSummary("Complete a PENDING transaction with its lsi: 204, or 200 {assertion} (a signed JWT, keys at /.well-known/jwks) with returnJwt=true.");

    private static async Task<Results<NoContent, Ok<AttemptAssertion>, JsonHttpResult<ApiError>, UnauthorizedHttpResult, ApiError.RetryLaterResult>> AttemptAsync(HttpContext context, Guid id, string? returnJwt, QrLoginService qrLogin,
        IDbContextFactory<ApplicationDbContext> dbFactory, SignedJwts jwts, TimeProvider clock)
    {
        // Read within the API's body cap: a huge body is refused before it is parsed.
        var (body, error) = await ApiJson.ReadOptionalAsync<AttemptRequest>(context, "{\"lsi\": \"…\"}");
        if (error is not null)
        {
            return error;
        }

        if (string.IsNullOrEmpty(body?.Lsi))
        {
            return ApiError.BadRequest("lsi", "lsi is required: the code read from the QR code.");
        }

        var user = context.User;
        // A portal session carries the user's NameIdentifier; an API client's token only its own "sub".
        var isApiClient = user.FindFirstValue(ClaimTypes.NameIdentifier) is null;
        string? userId;
        if (isApiClient)
        {
            // An API client: only an authenticator backend, and only for a user that can sign in.
            if (!user.HasClaim(ApiEntitlements.ClaimType, ApiEntitlements.VerifyAsAuthenticator))
            {
                return ApiError.MissingEntitlement(ApiEntitlements.VerifyAsAuthenticator);
            }

            if (string.IsNullOrEmpty(body.UserId))
            {
                return ApiError.BadRequest("userId", "userId is required when an API client completes a transaction for a user.");
            }

            await using var db = await dbFactory.CreateDbContextAsync(context.RequestAborted);
            var now = clock.GetUtcNow();
            if (!await db.Users.Where(u => u.Id == body.UserId).Where(ApplicationUser.UnlockedAt(now)).AnyAsync(context.RequestAborted))
            {
                return ApiError.BadRequest("userId", "userId is not a user who can sign in.");
            }

            userId = body.UserId;
        }
        else
        {
            userId = user.FindFirstValue(ClaimTypes.NameIdentifier);
            if (userId is null)
            {
                return TypedResults.Unauthorized();
            }
        }

        AttemptResult result;
        try
        {
            result = await qrLogin.ApproveAsync(body.Lsi, userId, keepSignedIn: false, context.ClientIp(),
                context.Request.Headers.UserAgent.ToString(), transactionId: id,
                apiClientId: isApiClient ? user.ClientId() ?? "" : null, ct: context.RequestAborted);
        }
        catch (QrAttemptsThrottledException ex)
        {
            return ApiError.TooMany(ex.RetryAfter);
        }

        if (result == AttemptResult.PasskeyRequired)
        {
            return ApiError.PasskeyRequired();
        }

        if (result != AttemptResult.Approved)
        {
            return ApiError.NotFound();
        }

        if (!string.Equals(returnJwt, "true", StringComparison.OrdinalIgnoreCase))
        {
            return TypedResults.NoContent();
        }

        return TypedResults.Ok(new AttemptAssertion(jwts.Create(context, [new Claim("sub", userId), new Claim("txn", id.ToString())], isApiClient ? user.ClientId() : null)));
    }
}
