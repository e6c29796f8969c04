using Microsoft.AspNetCore.Components.Server.Circuits;

namespace QrLoginPortal.Components.Layout;

/// <summary>
/// Whether this circuit's browser is connected right now, and a signal when it comes back. While the
/// connection is down, nothing sent to the browser arrives (a JavaScript call waits for an answer that
/// never comes, a navigation is lost), so components hold such work until <see cref="Reconnected"/>.
/// One per circuit (scoped).
/// </summary>
public sealed class CircuitConnection(ILogger<CircuitConnection>? logger = null) : CircuitHandler
{
    private readonly Lock _lock = new();
    private List<Func<Task>> _waiting = [];

    public bool IsUp { get; private set; } = true;

    /// <summary>Runs <paramref name="work"/> once, when the connection is up again (at once when it is up).</summary>
    public Task WhenUpAsync(Func<Task> work)
    {
        lock (_lock)
        {
            if (!IsUp)
            {
                _waiting.Add(work);
                return Task.CompletedTask;
            }
        }

        return work();
    }

    public override Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IsUp = false;
        }

        return Task.CompletedTask;
    }

    public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        List<Func<Task>> waiting;
        lock (_lock)
        {
            IsUp = true;
            (waiting, _waiting) = (_waiting, []);
        }

        // Started, not awaited: the reconnection completes only after this returns, and until then the
        // browser's answers (to a JavaScript call the work makes) cannot come in.
        foreach (var work in waiting)
        {
            _ = RunAsync(work);
        }

        return Task.CompletedTask;
    }

    private async Task RunAsync(Func<Task> work)
    {
        try
        {
            await work();
        }
        catch (Exception ex)
        {
            logger?.LogWarning(ex, "Work held for the reconnection of a circuit failed");
        }
    }
}

public static class CircuitConnectionExtensions
{
    /// <summary>
    /// One <see cref="CircuitConnection"/> per circuit, told by the circuit of its connection's ups and downs,
    /// and the circuit's one <see cref="SignedOutExit"/>, which waits for it.
    /// </summary>
    public static IServiceCollection AddCircuitConnection(this IServiceCollection services) =>
        services.AddScoped<CircuitConnection>()
            .AddScoped<CircuitHandler>(provider => provider.GetRequiredService<CircuitConnection>())
            .AddScoped<SignedOutExit>();
}
