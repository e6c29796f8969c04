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
        SessionKeepingSignInManager.Register(builder.Services);

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

        var http = context.HttpContext;
        var sessions = http.RequestServices.GetRequiredService<SessionStore>();
        // The cookie this one overwrites, as this request presented it (authenticated already: the answer is remembered).
        var before = (await http.AuthenticateAsync(IdentityConstants.ApplicationScheme)).Principal;
        var replaced = before?.FindFirstValue(ClaimTypes.NameIdentifier) is { } beforeUser
                       && Guid.TryParse(before.FindFirstValue(SessionStore.SessionClaim), out var beforeId)
            ? (UserId: beforeUser, Id: beforeId)
            : ((string UserId, Guid Id)?)null;

        // A cookie of a session that exists already (a single sign-on token's) is that session; a refresh of this
        // browser's own cookie (password change, two-factor set-up) keeps its session while it is open.
        var sessionId = identity.FindFirst(SessionStore.SessionClaim)?.Value;
        if (sessionId is null
            && SessionKeepingSignInManager.IsRefreshing(http)
            && replaced is { } own && own.UserId == userId
            && await sessions.IsActiveAsync(own.Id, userId, http.RequestAborted))
        {
            identity.AddClaim(new Claim(SessionStore.SessionClaim, own.Id.ToString()));
            return;
        }

        if (sessionId is null)
        {
            var method = identity.FindFirst(ClaimTypes.AuthenticationMethod)?.Value ?? identity.FindFirst("amr")?.Value ?? "pwd";
            sessionId = (await sessions.StartAsync(userId, method, context.Properties.IsPersistent,
                http.ClientIp(), http.Request.Headers.UserAgent.ToString(), http.RequestAborted)).ToString();
            identity.AddClaim(new Claim(SessionStore.SessionClaim, sessionId));
        }

        // Anything else is a new sign-in, and it replaces the browser's session rather than topping it up: the session
        // is what says when and how the person signed in (auth_time, amr, acr of the applications' tokens). The old
        // one ends (after the new one started, so a failure leaves the browser as it was): its cookie is overwritten
        // now, and a copy of it must not outlive it, nor the applications' tokens issued from it.
        if (replaced is { } old && old.Id.ToString() != sessionId)
        {
            await sessions.EndAsync(old.Id, old.UserId, "replaced by a new sign-in on this browser", userId, http.ClientIp(),
                SessionEndCause.Replaced, http.RequestAborted);
        }
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
            // The probe is asked while a new sign-in's cookie may be on its way: its answer, arriving after that cookie,
            // must not delete it (the person would be signed out just after signing in). The ended cookie is refused anyway.
            if (context.HttpContext.Request.Path != SignedInProbe.Path)
            {
                await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
            }
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
