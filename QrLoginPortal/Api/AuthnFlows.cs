using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Api;

/// <summary>The step an authn flow waits for.</summary>
public enum AuthnStep
{
    /// <summary>Just started: a username and password, or a badge as the first step.</summary>
    Initial,

    /// <summary>The password was right; the policy asks for the user's badge before signing in.</summary>
    QrCode,
}

/// <param name="BrowserBindingHash">The binding cookie of the client that started the flow: only it can redeem the flow's single sign-on token.</param>
public sealed record AuthnFlow(Guid Id, AuthnStep Step, string? UserId, DateTimeOffset ExpiresAt, byte[] BrowserBindingHash);

/// <summary>
/// The authn flows of <c>/idp/ws/rest/authn</c>, in memory: a random id, the step it waits for and,
/// after a password, whose it is. A flow lives five minutes and completes once.
/// </summary>
public sealed class AuthnFlows(IExpiringStore<Guid, AuthnFlow> flows, TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    public AuthnFlow Start(byte[] browserBindingHash)
    {
        var started = new AuthnFlow(Guid.NewGuid(), AuthnStep.Initial, null, clock.GetUtcNow() + Lifetime, browserBindingHash);
        flows.Add(started.Id, started, Lifetime);
        return started;
    }

    /// <summary>The live flow with this id, or null when unknown or expired.</summary>
    public AuthnFlow? Find(string? id) => Guid.TryParse(id, out var key) && flows.TryGet(key, out var flow) ? flow : null;

    /// <summary>Moves <paramref name="flow"/> on to the badge step for <paramref name="userId"/>; false when someone else moved it first.</summary>
    public bool AwaitBadge(AuthnFlow flow, string userId) => flows.TryReplace(flow.Id, flow, flow with { Step = AuthnStep.QrCode, UserId = userId });

    /// <summary>Ends the flow once; false when it was already ended or moved on.</summary>
    public bool Complete(AuthnFlow flow) => flows.TryRemove(flow.Id, flow);
}
