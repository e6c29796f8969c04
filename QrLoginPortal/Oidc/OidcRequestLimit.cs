using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore;
using Microsoft.Extensions.Options;
using OpenIddict.Server;
using QrLoginPortal.QrLogin;
using QrLoginPortal.SignIn;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace QrLoginPortal.Oidc;

/// <summary>
/// Per-address request budgets of the OpenID Connect endpoints, counted in <see cref="ILimitCounters"/> (shared by the
/// nodes) with the portal's <see cref="CountedWindowLimiter"/>. Browsers (authorize, end-session) get the sign-in
/// budget (<see cref="SignInLimitsOptions.RequestsPerMinutePerIp"/>); applications' servers (the code and refresh-token
/// grants, userinfo), which carry every user of an application from one address, get
/// <see cref="OidcOptions.ApplicationRequestsPerMinutePerIp"/>. The client-credentials grant keeps the API's own
/// throttle. Refused before OpenIddict looks anything up: 429 with Retry-After, in OAuth error form for the back channel.
/// </summary>
public static class OidcRequestLimit
{
    public const string BrowserPolicy = "oidc-browser";
    public const string ApplicationPolicy = "oidc-application";

    public static void Register(OpenIddictServerBuilder server)
    {
        Add<ValidateAuthorizationRequestContext>(server);
        Add<ValidateEndSessionRequestContext>(server);
        Add<ValidateUserInfoRequestContext>(server);
        Add<ValidateTokenRequestContext>(server);
    }

    private static void Add<TContext>(OpenIddictServerBuilder server) where TContext : BaseValidatingContext =>
        server.AddEventHandler<TContext>(handler => handler
            .UseSingletonHandler<Refuse<TContext>>()
            // Before OpenIddict's own validation (client and token look-ups) and the client-secret throttle.
            .SetOrder(int.MinValue + 40_000)
            .SetType(OpenIddictServerHandlerType.Custom));

    public sealed class Refuse<TContext>(ILimitCounters counters, TimeProvider clock, IOptions<SignInLimitsOptions> signIn,
        IOptions<OidcOptions> oidc) : IOpenIddictServerHandler<TContext> where TContext : BaseValidatingContext
    {
        public async ValueTask HandleAsync(TContext context)
        {
            var http = context.Transaction.GetHttpRequest()?.HttpContext;
            var (policy, permits) = context switch
            {
                ValidateTokenRequestContext token when !OidcTokens.Handles(token.Request) => (null, 0),
                ValidateTokenRequestContext or ValidateUserInfoRequestContext => (ApplicationPolicy, oidc.Value.ApplicationRequestsPerMinutePerIp),
                _ => (BrowserPolicy, signIn.Value.RequestsPerMinutePerIp),
            };
            if (http is null || policy is null)
            {
                return;
            }

            using var lease = new CountedWindowLimiter($"rate|{policy}|{http.ClientLimitKey()}", permits, TimeSpan.FromMinutes(1), counters, clock)
                .AttemptAcquire();
            if (lease.IsAcquired)
            {
                return;
            }

            var seconds = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? (int)Math.Ceiling(retryAfter.TotalSeconds) : 60;
            var description = $"Too many requests from this address. Try again in {Plural.Of(seconds, "second")}.";
            http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            http.Response.Headers.CacheControl = "no-store";
            if (policy == ApplicationPolicy)
            {
                await http.Response.WriteAsJsonAsync(new Dictionary<string, string>
                {
                    [Parameters.Error] = "too_many_requests",
                    [Parameters.ErrorDescription] = description,
                }, http.RequestAborted);
            }
            else
            {
                // A person's browser: words, not JSON; the status-code pages leave a started answer alone.
                http.Response.ContentType = "text/plain; charset=utf-8";
                await http.Response.WriteAsync(description, http.RequestAborted);
            }

            context.HandleRequest();
        }
    }
}
