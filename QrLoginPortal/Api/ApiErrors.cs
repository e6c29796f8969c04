using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;

namespace QrLoginPortal.Api;

/// <summary>The one error shape of the API: a stable machine-readable code, a human message, and the fields at fault.</summary>
public sealed record ApiError(string Code, string Message, IReadOnlyDictionary<string, string>? Errors = null)
{
    public static JsonHttpResult<ApiError> BadRequest(string field, string message) =>
        TypedResults.Json(new ApiError("invalid_request", message, new Dictionary<string, string> { [field] = message }), statusCode: 400);

    public static JsonHttpResult<ApiError> BadRequest(IReadOnlyDictionary<string, string> errors) =>
        TypedResults.Json(new ApiError("invalid_request", string.Join(" ", errors.Values), errors), statusCode: 400);

    /// <summary>Unknown id, wrong secret and expired record all answer this, so a caller learns nothing by probing.</summary>
    public static JsonHttpResult<ApiError> NotFound() =>
        TypedResults.Json(new ApiError("not_found", "No such transaction, or the secret does not match."), statusCode: 404);

    public static JsonHttpResult<ApiError> MissingEntitlement(string entitlement) =>
        TypedResults.Json(new ApiError("missing_entitlement", $"This API client lacks the entitlement '{entitlement}'."), statusCode: 403);

    public static JsonHttpResult<ApiError> Disabled() =>
        TypedResults.Json(new ApiError("qr_disabled", "QR sign-in is disabled by the administrator."), statusCode: 403);

    /// <summary>The approver passkey policy names this user: only the portal's approval page, with their passkey, can approve.</summary>
    public static JsonHttpResult<ApiError> PasskeyRequired() =>
        TypedResults.Json(new ApiError("passkey_required",
            "Approvals by this user need their passkey: approve on the portal's approval page on the phone."), statusCode: 403);

    public static RetryLaterResult TooMany(TimeSpan retryAfter) => new(429, "too_many_requests", "Too many requests.", retryAfter);

    /// <summary>The portal as a whole is at a cap (not this caller's fault): 503 with Retry-After.</summary>
    public static RetryLaterResult Busy(TimeSpan retryAfter) =>
        new(503, "busy", "The portal is busy with too many sign-ins at once.", retryAfter);

    /// <summary>429 or 503 with Retry-After and the error shape.</summary>
    public sealed class RetryLaterResult(int status, string code, string message, TimeSpan retryAfter) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
            httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Results.Json(new ApiError(code, $"{message} Try again in {Plural.Of(seconds, "second")}."), statusCode: status)
                .ExecuteAsync(httpContext);
        }
    }
}

/// <summary>Endpoint filter: the token must carry <paramref name="entitlement"/>, else 403 naming it.</summary>
public sealed class RequireEntitlement(string entitlement) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        context.HttpContext.User.HasClaim(ApiEntitlements.ClaimType, entitlement)
            ? next(context)
            : ValueTask.FromResult<object?>(ApiError.MissingEntitlement(entitlement));
}

public static class ApiClaims
{
    public static string? ClientId(this ClaimsPrincipal principal) => principal.FindFirstValue("sub") ?? principal.FindFirstValue("client_id");
}
