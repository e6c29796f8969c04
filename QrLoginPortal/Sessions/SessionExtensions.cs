using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using QrLoginPortal.Data;

namespace QrLoginPortal.Sessions;

public static class SessionExtensions
{
    /// <summary>
    /// Ties every Identity authentication cookie to a session row: a session is opened when the
    /// cookie is issued (any sign-in method), checked on every request, and ended on sign-out.
    /// </summary>
    public static IHostApplicationBuilder AddSessions(this IHostApplicationBuilder builder)
    {
        if (DatabaseProviders.FromConfiguration(builder.Configuration) == DatabaseProvider.Postgres)
        {
            QrLogin.PostgresListener.Register(builder.Services);
            builder.Services.AddSingleton<PostgresSessionNotifier>();
            builder.Services.AddSingleton<QrLogin.IPostgresChannel>(sp => sp.GetRequiredService<PostgresSessionNotifier>());
            builder.Services.AddSingleton<ISessionNotifier>(sp => sp.GetRequiredService<PostgresSessionNotifier>());
            // Asked lazily: the listener's channels include the notifier, which holds this cache.
            builder.Services.AddSingleton(sp => new SessionCheckCache(sp.GetRequiredService<TimeProvider>(),
                () => sp.GetRequiredService<QrLogin.PostgresListener>().Listening.IsCompletedSuccessfully));
        }
        else
        {
            builder.Services.AddSingleton<ISessionNotifier, InProcessSessionNotifier>();
            builder.Services.AddSingleton(sp => new SessionCheckCache(sp.GetRequiredService<TimeProvider>()));
        }

        builder.Services.AddSingleton<SessionStore>();
        builder.Services.AddSingleton<NewSignInNotices>();
        SessionEndingUserManager.Register(builder.Services);

        // Identity re-creates the principal when it revalidates the security stamp: keep the session id.
        builder.Services.Configure<SecurityStampValidatorOptions>(options => options.OnRefreshingPrincipal = context =>
        {
            if (context.CurrentPrincipal?.FindFirst(SessionStore.SessionClaim) is { } sid
                && context.NewPrincipal?.Identity is ClaimsIdentity identity
                && identity.FindFirst(SessionStore.SessionClaim) is null)
            {
                identity.AddClaim(new Claim(SessionStore.SessionClaim, sid.Value));
            }

            return Task.CompletedTask;
        });

        builder.Services.ConfigureApplicationCookie(options =>
        {
            options.Events.OnSigningIn = OnSigningInAsync;
            options.Events.OnValidatePrincipal = OnValidatePrincipalAsync;
            options.Events.OnSigningOut = OnSigningOutAsync;
        });
        return builder;
    }

    /// <summary>
    /// Runs these endpoints as soon as routing finds them, before authentication: static files serve nothing
    /// user-specific, so they need no cookie check and no session look-up (issue 16). Anything that does need
    /// the user (a page, <c>/_blazor</c>'s negotiation and WebSocket, the API) still goes through both.
    /// </summary>
    public static TBuilder WithoutSessionCheck<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.ShortCircuit();
        return builder;
    }

    /// <summary>
    /// The same for Blazor's list of script initializers (<c>/_blazor/initializers</c>, the same for everyone, fetched by
    /// every page that starts a circuit); the circuit's own endpoints keep their checks.
    /// </summary>
    public static RazorComponentsEndpointConventionBuilder WithScriptListWithoutSessionCheck(this RazorComponentsEndpointConventionBuilder builder)
    {
        new ScriptListOnly(builder).ShortCircuit();
        return builder;
    }

    private sealed class ScriptListOnly(IEndpointConventionBuilder inner) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention) => inner.Add(b =>
        {
            if (IsScriptList(b))
            {
                convention(b);
            }
        });

        public void Finally(Action<EndpointBuilder> finallyConvention) => inner.Finally(b =>
        {
            if (IsScriptList(b))
            {
                finallyConvention(b);
            }
        });

        private static bool IsScriptList(EndpointBuilder endpoint) =>
            endpoint is RouteEndpointBuilder { RoutePattern.RawText: { } route } && route.Trim('/') == "_blazor/initializers";
    }

    private static async Task OnSigningInAsync(CookieSigningInContext context)
    {
        if (context.Principal?.Identity is not ClaimsIdentity identity
            || identity.FindFirst(ClaimTypes.NameIdentifier)?.Value is not { } userId)
        {
            return;
        }

        // A refresh of an existing cookie keeps its session; only a real sign-in opens one.
        if (identity.FindFirst(SessionStore.SessionClaim) is not null)
        {
            return;
        }

        var sessions = context.HttpContext.RequestServices.GetRequiredService<SessionStore>();
        var current = context.HttpContext.User;
        if (current.FindFirstValue(ClaimTypes.NameIdentifier) == userId
            && current.FindFirstValue(SessionStore.SessionClaim) is { } currentSid
            && Guid.TryParse(currentSid, out var currentId)
            && await sessions.IsActiveAsync(currentId, userId, context.HttpContext.RequestAborted))
        {
            // Identity re-issues the cookie of a signed-in browser (password change, 2FA set-up): same browser, same session.
            identity.AddClaim(new Claim(SessionStore.SessionClaim, currentSid));
            return;
        }

        var method = identity.FindFirst(ClaimTypes.AuthenticationMethod)?.Value ?? identity.FindFirst("amr")?.Value ?? "pwd";
        var id = await sessions.StartAsync(userId, method, context.Properties.IsPersistent,
            context.HttpContext.ClientIp(), context.HttpContext.Request.Headers.UserAgent.ToString(),
            context.HttpContext.RequestAborted);
        identity.AddClaim(new Claim(SessionStore.SessionClaim, id.ToString()));
    }

    private static async Task OnValidatePrincipalAsync(CookieValidatePrincipalContext context)
    {
        var original = context.Principal;
        await SecurityStampValidator.ValidatePrincipalAsync(context);
        if (context.Principal is not { } principal)
        {
            // Identity refused the cookie (password changed, user locked): its session is over too.
            if (original?.FindFirstValue(ClaimTypes.NameIdentifier) is { } refusedUser
                && Guid.TryParse(original.FindFirstValue(SessionStore.SessionClaim), out var refusedSession))
            {
                await context.HttpContext.RequestServices.GetRequiredService<SessionStore>().EndAsync(refusedSession, refusedUser,
                    "security stamp changed", null, context.HttpContext.ClientIp(), ct: context.HttpContext.RequestAborted);
            }

            return;
        }

        var sessions = context.HttpContext.RequestServices.GetRequiredService<SessionStore>();
        var userId = principal.FindFirstValue(ClaimTypes.NameIdentifier);
        var active = userId is not null
                     && Guid.TryParse(principal.FindFirstValue(SessionStore.SessionClaim), out var sessionId)
                     && await sessions.TouchAsync(sessionId, userId, ct: context.HttpContext.RequestAborted);
        if (!active)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
        }
    }

    private static async Task OnSigningOutAsync(CookieSigningOutContext context)
    {
        var principal = context.HttpContext.User;
        if (principal.FindFirstValue(ClaimTypes.NameIdentifier) is { } userId
            && Guid.TryParse(principal.FindFirstValue(SessionStore.SessionClaim), out var sessionId))
        {
            var sessions = context.HttpContext.RequestServices.GetRequiredService<SessionStore>();
            // SignedOutHere: the page that clicked "Sign out" hears of the end over its circuit before the answer
            // to its sign-out arrives, and its navigation wins; it must say the same as that answer.
            await sessions.EndAsync(sessionId, userId, "signed out", userId, context.HttpContext.ClientIp(),
                SessionEndCause.SignedOutHere, context.HttpContext.RequestAborted);
        }
    }
}
