using Microsoft.AspNetCore.Http.HttpResults;
using System.Text.Json.Serialization;
using QrLoginPortal.Data;
using QrLoginPortal.QrLogin;
using QrLoginPortal.SignIn;

namespace QrLoginPortal.Api;

/// <summary>The create response of seed 001: the only time lsi, dsi and the QR image are returned.</summary>
public sealed record QrTransactionCreated(
    string Id, string Type, string Created, string Updated, string Expiry, string State, string Location,
    string ProfileId, string ServiceName, string Tenant, string Lsi, string Dsi, string QrCode);

/// <summary>The poll response of seed 001: no secrets; userId once the transaction succeeded.</summary>
public sealed record QrTransactionStatus(
    string Id,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? UserId,
    string Type, string Created, string Updated, string Expiry, string State,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? UpdatedBy,
    string Location, string ProfileId, string ServiceName, string Tenant);

/// <summary>The IBM Verify-compatible QR endpoints (seed 001, SPEC section 5).</summary>
public static class QrEndpoints
{
    public const string ServiceName = "QrLoginPortal";
    public const int MaxWaitSeconds = 30;

    public static void Map(IEndpointRouteBuilder anonymous, RouteGroupBuilder secured)
    {
        secured.MapGet("/v2.0/factors/qr/authenticate", CreateAsync)
            .AddEndpointFilter(new RequireEntitlement(ApiEntitlements.AuthenticateAnyUser))
            .WithTags(ApiDocument.Tags.Qr)
            .Produces<ApiError>(StatusCodes.Status400BadRequest)
            .Produces<ApiError>(StatusCodes.Status429TooManyRequests)
            .Produces<ApiError>(StatusCodes.Status503ServiceUnavailable)
            .WithName("CreateQrTransaction")
            .WithSummary("Create a QR login transaction (needs authenticateAnyUser).");
        secured.MapDelete("/v2.0/factors/qr/{id:guid}", DeleteAsync)
            .AddEndpointFilter(new RequireEntitlement(ApiEntitlements.AuthenticateAnyUser))
            .WithTags(ApiDocument.Tags.Qr)
            .Produces(StatusCodes.Status204NoContent)
            .Produces<ApiError>(StatusCodes.Status404NotFound)
            .WithName("DeleteQrTransaction")
            .WithSummary("Remove a QR login transaction (needs authenticateAnyUser).");

        // Polling needs no token: the dsi is the bearer secret (seed 001).
        anonymous.MapGet("/v2.0/factors/qr/authenticate/{id:guid}", PollAsync).WithName("PollQrTransaction").WithTags(ApiDocument.Tags.Qr)
            .Produces<ApiError>(StatusCodes.Status400BadRequest).Produces<ApiError>(StatusCodes.Status404NotFound)
            .Produces<ApiError>(StatusCodes.Status429TooManyRequests)
            .WithSummary("Read a transaction's state with its dsi; wait=N (≤ 30 s) answers as soon as it changes.");
        anonymous.MapGet("/v2.0/factors/qr/{id:guid}", PollAsync).WithName("PollQrTransactionShort").WithTags(ApiDocument.Tags.Qr)
            .Produces<ApiError>(StatusCodes.Status400BadRequest).Produces<ApiError>(StatusCodes.Status404NotFound)
            .Produces<ApiError>(StatusCodes.Status429TooManyRequests)
            .WithSummary("Same as /v2.0/factors/qr/authenticate/{id}.");
    }

    private static async Task<Results<Ok<QrTransactionCreated>, JsonHttpResult<ApiError>, ApiError.RetryLaterResult>> CreateAsync(
        HttpContext context, string? profileId, QrLoginService qrLogin, RegistrationProfiles profiles)
    {
        if (string.IsNullOrWhiteSpace(profileId))
        {
            return ApiError.BadRequest("profileId", "profileId is required: the id of a registration profile (GET /v1.0/authenticators/clients).");
        }

        if (!await profiles.IsEnabledAsync(profileId, context.RequestAborted))
        {
            return ApiError.BadRequest("profileId", $"profileId '{Truncate(profileId)}' is not an enabled registration profile.");
        }

        var (created, off, later) = await CreateForCallerAsync(context, qrLogin, profileId);
        if (created is null)
        {
            return off is not null ? off : later!;
        }

        var origin = PublicOrigin.Of(context);
        var createdAt = ApiTimestamps.Format(created.CreatedAt);
        return TypedResults.Ok(new QrTransactionCreated(
            created.Id.ToString(), "qr", createdAt, createdAt, ApiTimestamps.Format(created.ExpiresAt), "PENDING",
            Location(origin, created.Id), created.ProfileId, ServiceName, Tenant(origin), created.Lsi, created.Dsi,
            Convert.ToBase64String(QrCodeRenderer.RenderPng(PublicOrigin.ApprovalUrl(origin, created.Lsi)))));
    }

    private static async Task<Results<Ok<QrTransactionStatus>, JsonHttpResult<ApiError>, ApiError.RetryLaterResult>> PollAsync(HttpContext context, Guid id, string? dsi, string? wait, QrLoginService qrLogin,
        ITransactionNotifier notifier, SecretGuessLimiter guesses, TimeProvider clock)
    {
        if (string.IsNullOrEmpty(dsi))
        {
            return ApiError.BadRequest("dsi", "dsi is required: the device session index returned when the transaction was created.");
        }

        if (!TryParseWait(wait, out var waitSeconds, out var badWait))
        {
            return badWait;
        }

        // A wrong dsi is a guess at the browser side's secret: the same budget as a wrong nonce in the module chain.
        var guessKey = SecretGuessLimiter.KeyOf(context);
        if (guesses.RetryAfter(guessKey) is { } retryAfter)
        {
            return ApiError.TooMany(retryAfter);
        }

        var ct = context.RequestAborted;
        var view = await qrLogin.GetAsync(id, dsi, ct);
        if (view is null)
        {
            guesses.RecordFailure(guessKey);
            return ApiError.NotFound();
        }

        if (waitSeconds > 0 && view.State == QrTransactionState.Pending)
        {
            view = await WaitForChangeAsync(qrLogin, notifier, clock, view, dsi, TimeSpan.FromSeconds(waitSeconds), ct);
            if (view is null)
            {
                return ApiError.NotFound();
            }
        }

        var origin = PublicOrigin.Of(context);
        return TypedResults.Ok(new QrTransactionStatus(view.Id.ToString(), view.UserId, "qr", ApiTimestamps.Format(view.CreatedAt),
            ApiTimestamps.Format(view.UpdatedAt), ApiTimestamps.Format(view.ExpiresAt), StateName(view.State), view.UserId,
            Location(origin, view.Id), view.ProfileId, ServiceName, Tenant(origin)));
    }

    /// <summary>The long poll's <c>wait</c> (seconds, 0 to <see cref="MaxWaitSeconds"/>; none is 0), or the 400 naming it.</summary>
    internal static bool TryParseWait(string? wait, out int seconds, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out JsonHttpResult<ApiError>? error)
    {
        seconds = 0;
        error = wait is not null && (!int.TryParse(wait, out seconds) || seconds is < 0 or > MaxWaitSeconds)
            ? ApiError.BadRequest("wait", $"wait must be a whole number of seconds from 0 to {MaxWaitSeconds}.")
            : null;
        return error is null;
    }

    /// <summary>A new transaction for the calling API client, or the answer to give when QR sign-in is off or it asked too often.</summary>
    /// <returns>The transaction; or, when it was refused, exactly one of <c>Off</c> (QR sign-in is off) and <c>Later</c> (429/503 with Retry-After).</returns>
    internal static async Task<(NewQrTransaction? Created, JsonHttpResult<ApiError>? Off, ApiError.RetryLaterResult? Later)> CreateForCallerAsync(
        HttpContext context, QrLoginService qrLogin, string profileId, byte[]? browserBindingHash = null)
    {
        try
        {
            return (await qrLogin.CreateAsync(new QrRequester(context.ClientIp(),
                context.Request.Headers.UserAgent.ToString(), browserBindingHash), profileId, context.RequestAborted), null, null);
        }
        catch (QrLoginDisabledException)
        {
            return (null, ApiError.Disabled(), null);
        }
        catch (QrAttemptsThrottledException ex)
        {
            return (null, null, ApiError.TooMany(ex.RetryAfter));
        }
        catch (QrLoginBusyException ex)
        {
            return (null, null, ApiError.Busy(ex.RetryAfter));
        }
    }

    /// <summary>
    /// Long poll: waits until the transaction's state or scan changes, or <paramref name="wait"/> passes,
    /// on the same notifier that pushes to the sign-in page; then reads it again.
    /// </summary>
    internal static async Task<QrTransactionView?> WaitForChangeAsync(QrLoginService qrLogin, ITransactionNotifier notifier,
        TimeProvider clock, QrTransactionView view, string dsi, TimeSpan wait, CancellationToken ct)
    {
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (notifier.Subscribe(view.Id, _ => { changed.TrySetResult(); return Task.CompletedTask; }))
        {
            // Read again once subscribed: a change between the first read and the subscription is not missed.
            var again = await qrLogin.GetAsync(view.Id, dsi, ct);
            if (again is not null && again.State == view.State && again.Scanned == view.Scanned)
            {
                try
                {
                    await changed.Task.WaitAsync(wait, clock, ct);
                }
                catch (TimeoutException)
                {
                    // Nothing happened within the wait: answer with the unchanged state.
                }
            }
        }

        return await qrLogin.GetAsync(view.Id, dsi, ct);
    }

    private static async Task<Results<NoContent, JsonHttpResult<ApiError>>> DeleteAsync(HttpContext context, Guid id, QrLoginService qrLogin) =>
        await qrLogin.DeleteAsync(id, context.User.ClientId(), context.ClientIp(), context.RequestAborted)
            ? TypedResults.NoContent()
            : ApiError.NotFound();

    public static string StateName(QrTransactionState state) => state switch
    {
        QrTransactionState.Pending => "PENDING",
        QrTransactionState.Success => "SUCCESS",
        QrTransactionState.Failed => "FAILED",
        QrTransactionState.Timeout => "TIMEOUT",
    };

    private static string Location(string origin, Guid id) => $"{origin}/v2.0/factors/qr/{id}";

    private static string Tenant(string origin) => new Uri(origin).Authority;

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "…";
}
