using Microsoft.AspNetCore;
using OpenIddict.Server;
using QrLoginPortal.QrLogin;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace QrLoginPortal.Api;

/// <summary>
/// Wrong client secrets at the token endpoint: an address waits after <see cref="ApiOptions.FailedClientSecretsPerIp"/>,
/// and once a client's <see cref="ApiOptions.FailedClientSecretsPerClient"/> is spent every address that failed at
/// it waits too; the client itself (no failures from its own address) keeps getting tokens. Answered 429 with
/// Retry-After before OpenIddict checks the secret.
/// </summary>
public sealed class ClientSecretThrottle([FromKeyedServices(ClientSecretThrottle.Use)] AttemptLimiter limiter)
{
    public const string Use = "api-client-secrets";

    /// <summary>Per address (at one client or any), and per client across addresses as the shared budget.</summary>
    public static AttemptLimits LimitsOf(ApiOptions o) => new(o.FailedClientSecretsPerIp, TimeSpan.FromMinutes(15),
        PerAddress: o.FailedClientSecretsPerIp, Shared: o.FailedClientSecretsPerClient);

    public TimeSpan? RetryAfter(string? clientId, string? ip) => limiter.RetryAfter(Attempt(clientId, ip));

    public void RecordFailure(string? clientId, string? ip) => limiter.Record(Attempt(clientId, ip));

    private static LimitedAttempt Attempt(string? clientId, string? ip) => new(clientId ?? "", ip, Scope: clientId ?? "");

    /// <summary>The OpenIddict server handlers: refuse a throttled source before client authentication, count every invalid_client.</summary>
    public static void Register(OpenIddictServerBuilder server)
    {
        server.AddEventHandler<ValidateTokenRequestContext>(handler => handler
            .UseSingletonHandler<RefuseThrottled>()
            // Before OpenIddict's own validation, which would check the secret.
            .SetOrder(int.MinValue + 50_000)
            .SetType(OpenIddictServerHandlerType.Custom));
        server.AddEventHandler<ApplyTokenResponseContext>(handler => handler
            .UseSingletonHandler<CountFailures>()
            .SetOrder(int.MinValue + 50_000)
            .SetType(OpenIddictServerHandlerType.Custom));
    }

    public sealed class RefuseThrottled(ClientSecretThrottle throttle) : IOpenIddictServerHandler<ValidateTokenRequestContext>
    {
        public async ValueTask HandleAsync(ValidateTokenRequestContext context)
        {
            var http = context.Transaction.GetHttpRequest()?.HttpContext;
            if (http is null || throttle.RetryAfter(context.ClientId, http.ClientIp()) is not { } wait)
            {
                return;
            }

            var seconds = (int)Math.Ceiling(wait.TotalSeconds);
            http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            http.Response.Headers.CacheControl = "no-store";
            await http.Response.WriteAsJsonAsync(new Dictionary<string, string>
            {
                [Parameters.Error] = "too_many_requests",
                [Parameters.ErrorDescription] = $"Too many failed client authentications. Try again in {Plural.Of(seconds, "second")}.",
            }, http.RequestAborted);
            context.HandleRequest();
        }
    }

    public sealed class CountFailures(ClientSecretThrottle throttle) : IOpenIddictServerHandler<ApplyTokenResponseContext>
    {
        public ValueTask HandleAsync(ApplyTokenResponseContext context)
        {
            if (context.Response.Error == Errors.InvalidClient)
            {
                throttle.RecordFailure(context.Request?.ClientId, context.Transaction.GetHttpRequest()?.HttpContext.ClientIp());
            }

            return default;
        }
    }
}
