using System.Collections.Concurrent;

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
public sealed class AuthnFlows(TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    private const int PruneAbove = 10_000;
    private readonly ConcurrentDictionary<Guid, AuthnFlow> _flows = new();

    public AuthnFlow Start(byte[] browserBindingHash)
    {
        var now = clock.GetUtcNow();
        if (_flows.Count > PruneAbove)
        {
            foreach (var (id, flow) in _flows)
            {
                if (flow.ExpiresAt <= now)
                {
                    _flows.TryRemove(id, out _);
                }
            }
        }

        var started = new AuthnFlow(Guid.NewGuid(), AuthnStep.Initial, null, now + Lifetime, browserBindingHash);
        _flows[started.Id] = started;
        return started;
    }

    /// <summary>The live flow with this id, or null when unknown or expired.</summary>
    public AuthnFlow? Find(string? id) =>
        Guid.TryParse(id, out var key) && _flows.TryGetValue(key, out var flow) && flow.ExpiresAt > clock.GetUtcNow() ? flow : null;

    /// <summary>Moves <paramref name="flow"/> on to the badge step for <paramref name="userId"/>; false when someone else moved it first.</summary>
    public bool AwaitBadge(AuthnFlow flow, string userId) =>
        _flows.TryUpdate(flow.Id, flow with { Step = AuthnStep.QrCode, UserId = userId }, flow);

    /// <summary>Ends the flow once; false when it was already ended or moved on.</summary>
    public bool Complete(AuthnFlow flow) => _flows.TryRemove(new KeyValuePair<Guid, AuthnFlow>(flow.Id, flow));
}
