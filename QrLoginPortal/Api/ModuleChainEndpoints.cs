using System.Security.Claims;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Data;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Sessions;
using QrLoginPortal.SignIn;
using Answer = Microsoft.AspNetCore.Http.HttpResults.Results<
    Microsoft.AspNetCore.Http.HttpResults.Ok<QrLoginPortal.Api.ModuleChainStep>,
    Microsoft.AspNetCore.Http.HttpResults.Ok<QrLoginPortal.Api.ModuleChainSuccess>,
    Microsoft.AspNetCore.Http.HttpResults.JsonHttpResult<QrLoginPortal.Api.ApiError>,
    QrLoginPortal.Api.ApiError.RetryLaterResult>;

namespace QrLoginPortal.Api;

/// <summary>A step of the module chain: the module the client asks for, and what it carries on from the last answer.</summary>
public sealed record ModuleChainRequest(string? NextModule, string? QrCodeTrackId, string? Nonce, string? ProfileId);

/// <summary>What the QR modules tell the client (seed 000); the QR image and nonce only when the code is made.</summary>
public sealed record QrModuleInformation(
    int ValidityPeriod,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? QrCode,
    string QrCodeTrackId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Nonce,
    bool Scanned);

public sealed record ModuleChainStep(string NextModule, QrModuleInformation AdditionalInformation);

public sealed record ModuleChainUserData(string UserId, string UserName, string? Email, string DisplayName);

public sealed record ModuleChainSettings(string RedirectUrl, string SingleSignOnUrl);

/// <summary>The end of the chain: a single sign-on token, a JWT about the user, a bearer token for the portal's API.</summary>
public sealed record ModuleChainSuccess(string NextModule, string Token, string JwtToken, string Oauth2Token, int ExpiresIn,
    ModuleChainUserData UserData, ModuleChainSettings Settings);

/// <summary>
/// The module-chain authentication API of seed 000: one endpoint, <c>POST /v1.0/authenticate</c>. The
/// client names the module it continues with (<c>QrCodeAuthentication</c> to get a code,
/// <c>QrCodeScanRequired</c> to ask whether it was approved) and the answer names the next one,
/// until <c>Success</c>. qrCodeTrackId is the transaction id, nonce its dsi.
/// </summary>
public static class ModuleChainEndpoints
{
    public const string Path = "/v1.0/authenticate";
    public const string TrackIdCookie = "qrCodeTrackId";
    public const string QrCodeAuthentication = "QrCodeAuthentication";
    public const string QrCodeScanRequired = "QrCodeScanRequired";
    public const string Success = "Success";
    public const string SessionMethod = "qr-api";

    public static void Map(RouteGroupBuilder secured)
    {
        secured.MapPost(Path, AuthenticateAsync)
            .AddEndpointFilter(new RequireEntitlement(ApiEntitlements.AuthenticateAnyUser))
            .Accepts<ModuleChainRequest>("application/json")
            // The typed results declare the 200 answers; the JSON errors' statuses are chosen at run time.
            .Produces<ApiError>(StatusCodes.Status400BadRequest)
            .Produces<ApiError>(StatusCodes.Status413PayloadTooLarge)
            .Produces<ApiError>(StatusCodes.Status429TooManyRequests)
            .Produces<ApiError>(StatusCodes.Status503ServiceUnavailable)
            .WithTags(ApiDocument.Tags.ModuleChain)
            .WithName("ModuleChainAuthenticate")
            .WithSummary("Module chain (needs authenticateAnyUser): {nextModule:\"QrCodeAuthentication\"} makes a QR code; " +
                         "{nextModule:\"QrCodeScanRequired\", qrCodeTrackId, nonce} (trackId also as cookie; wait=N ≤ 30 s long-polls) " +
                         "answers QrCodeScanRequired while pending, Success with token, jwtToken, oauth2Token, userData and settings once approved, " +
                         "or 400 qr_code_expired: request a new code.");
    }

    private static async Task<Answer> AuthenticateAsync(HttpContext context, string? wait, QrLoginService qrLogin,
        ITransactionNotifier notifier, IDbContextFactory<ApplicationDbContext> dbFactory, UserSignInTokens signInTokens, SecretGuessLimiter guesses, TimeProvider clock)
    {
        var (body, error) = await ApiJson.ReadOptionalAsync<ModuleChainRequest>(context, "{\"nextModule\": \"QrCodeAuthentication\"}");
        if (error is not null)
        {
            return error;
        }

        body ??= new ModuleChainRequest(null, null, null, null);
        return body.NextModule switch
        {
            null or "" or QrCodeAuthentication => await StartAsync(context, body, qrLogin),
            QrCodeScanRequired => await ContinueAsync(context, body, wait, qrLogin, notifier, dbFactory, signInTokens, guesses, clock),
            _ => ApiError.BadRequest("nextModule", $"nextModule must be {QrCodeAuthentication} or {QrCodeScanRequired}."),
        };
    }

    private static async Task<Answer> StartAsync(HttpContext context, ModuleChainRequest body, QrLoginService qrLogin)
    {
        var profileId = string.IsNullOrWhiteSpace(body.ProfileId) ? QrLoginDefaults.ProfileId : body.ProfileId;
        if (!await context.RequestServices.GetRequiredService<RegistrationProfiles>().IsEnabledAsync(profileId, context.RequestAborted))
        {
            return ApiError.BadRequest("profileId", "profileId is not an enabled registration profile.");
        }

        // The binding cookie is set when the chain starts: the Success token signs in only this client's browser.
        var (created, off, later) = await QrEndpoints.CreateForCallerAsync(context, qrLogin, profileId, BrowserBinding.Ensure(context));
        if (created is null)
        {
            return off is not null ? off : later!;
        }

        var validity = (int)Math.Ceiling((created.ExpiresAt - created.CreatedAt).TotalSeconds);
        context.Response.Cookies.Append(TrackIdCookie, created.Id.ToString(), new CookieOptions
        {
            HttpOnly = true,
            Secure = context.Request.IsHttps,
            SameSite = SameSiteMode.Strict,
            Path = Path,
            MaxAge = TimeSpan.FromSeconds(validity),
        });
        var qrCode = Convert.ToBase64String(QrCodeRenderer.RenderPng(PublicOrigin.ApprovalUrl(PublicOrigin.Of(context), created.Lsi)));
        return TypedResults.Ok(new ModuleChainStep(QrCodeScanRequired,
            new QrModuleInformation(validity, qrCode, created.Id.ToString(), created.Dsi, Scanned: false)));
    }

    private static async Task<Answer> ContinueAsync(HttpContext context, ModuleChainRequest body, string? wait, QrLoginService qrLogin,
        ITransactionNotifier notifier, IDbContextFactory<ApplicationDbContext> dbFactory, UserSignInTokens signInTokens, SecretGuessLimiter guesses, TimeProvider clock)
    {
        var trackId = string.IsNullOrEmpty(body.QrCodeTrackId) ? context.Request.Cookies[TrackIdCookie] : body.QrCodeTrackId;
        if (string.IsNullOrEmpty(trackId))
        {
            return ApiError.BadRequest("qrCodeTrackId", "qrCodeTrackId is required, in the body or as the qrCodeTrackId cookie.");
        }

        if (!Guid.TryParse(trackId, out var id))
        {
            return ApiError.BadRequest("qrCodeTrackId", "qrCodeTrackId is not one this portal issued.");
        }

        if (string.IsNullOrEmpty(body.Nonce))
        {
            return ApiError.BadRequest("nonce", "nonce is required: the one returned with the QR code.");
        }

        if (!QrEndpoints.TryParseWait(wait, out var waitSeconds, out var badWait))
        {
            return badWait;
        }

        var guessKey = SecretGuessLimiter.KeyOf(context);
        if (guesses.RetryAfter(guessKey) is { } retryAfter)
        {
            return ApiError.TooMany(retryAfter);
        }

        var ct = context.RequestAborted;
        var view = await qrLogin.GetAsync(id, body.Nonce, ct);
        if (view is { State: QrTransactionState.Pending } && waitSeconds > 0)
        {
            view = await QrEndpoints.WaitForChangeAsync(qrLogin, notifier, clock, view, body.Nonce, TimeSpan.FromSeconds(waitSeconds), ct);
        }

        var now = clock.GetUtcNow();
        if (view is { State: QrTransactionState.Pending } && now < view.ExpiresAt)
        {
            var remaining = (int)Math.Ceiling((view.ExpiresAt - now).TotalSeconds);
            return TypedResults.Ok(new ModuleChainStep(QrCodeScanRequired,
                new QrModuleInformation(remaining, QrCode: null, id.ToString(), Nonce: null, view.Scanned)));
        }

        // Approved: claimed once; the answer of a second claim is the expired one.
        var ip = context.ClientIp();
        var tickets = context.RequestServices.GetRequiredService<QrTicketService>();
        if (view is { State: QrTransactionState.Success } && await tickets.ClaimAsync(id, body.Nonce, ip, ct) is { } claimed)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var user = await db.Users.AsNoTracking().Where(u => u.Id == claimed.UserId).Where(ApplicationUser.UnlockedAt(now))
                .SingleOrDefaultAsync(ct);
            // A code made by the v2 create endpoint has no binding: the client claiming it binds the token instead.
            var binding = await db.QrTransactions.AsNoTracking().Where(t => t.Id == id).Select(t => t.BrowserBindingHash).SingleAsync(ct)
                          ?? BrowserBinding.Ensure(context);
            if (user is not null)
            {
                var tokens = await signInTokens.IssueAsync(context, user, SessionMethod, "qr", [new Claim("txn", id.ToString())], binding, ct);
                return TypedResults.Ok(new ModuleChainSuccess(Success, tokens.Token, tokens.JwtToken, tokens.Oauth2Token, tokens.ExpiresIn,
                    tokens.UserData, tokens.Settings));
            }
        }

        // Unknown id, wrong nonce, expired, denied, cancelled or already claimed: one answer, nothing to recover.
        guesses.RecordFailure(guessKey);
        return TypedResults.Json(new ApiError("qr_code_expired",
            "This QR code has expired or is no longer valid. Request a new one with nextModule QrCodeAuthentication."), statusCode: 400);
    }
}
