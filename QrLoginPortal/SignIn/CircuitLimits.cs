using Microsoft.Extensions.Options;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal.SignIn;

/// <summary>
/// Counts the interactive pages (Blazor circuit connections) each address holds open and refuses
/// more than <see cref="PortalLimitsOptions.CircuitsPerAddress"/>: each costs server memory for as
/// long as it stays open (120 circuits took about 54 MB).
/// </summary>
public sealed class CircuitLimiter(IOptions<PortalLimitsOptions> options)
{
    /// <summary>What a refused connection is told to wait.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(10);

    private readonly Dictionary<string, int> _open = [];

    /// <summary>Raised after a connection of an address closed (tests wait on it).</summary>
    internal event Action<string>? Released;

    public bool IsFull(string key)
    {
        lock (_open)
        {
            return _open.GetValueOrDefault(key) >= options.Value.CircuitsPerAddress;
        }
    }

    public bool TryEnter(string key)
    {
        lock (_open)
        {
            var open = _open.GetValueOrDefault(key);
            if (open >= options.Value.CircuitsPerAddress)
            {
                return false;
            }

            _open[key] = open + 1;
            return true;
        }
    }

    public void Exit(string key)
    {
        lock (_open)
        {
            if (_open.TryGetValue(key, out var open) && open > 1)
            {
                _open[key] = open - 1;
            }
            else
            {
                _open.Remove(key);
            }
        }

        Released?.Invoke(key);
    }
}

public static class CircuitLimits
{
    /// <summary>The circuit's connection: a WebSocket (or server-sent events, or a long poll) open as long as the page is.</summary>
    private const string ConnectionPath = "/_blazor";

    /// <summary>Circuits: how many an address may hold open, and who is at the other end of each (<see cref="CircuitClient"/>).</summary>
    public static IHostApplicationBuilder AddCircuitLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<CircuitLimiter>();
        builder.Services.AddScoped<CircuitClient>();
        builder.Services.AddScoped<Microsoft.AspNetCore.Components.Server.Circuits.CircuitHandler, CircuitClientHandler>();
        return builder;
    }

    public static IApplicationBuilder UseCircuitLimits(this IApplicationBuilder app)
    {
        var limiter = app.ApplicationServices.GetRequiredService<CircuitLimiter>();
        return app.Use(async (context, next) =>
        {
            if (context.Request.Path != ConnectionPath)
            {
                await next(context);
                return;
            }

            var key = context.ClientLimitKey();
            if (!limiter.TryEnter(key))
            {
                context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                context.Response.Headers.RetryAfter = ((int)CircuitLimiter.RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return;
            }

            try
            {
                await next(context);
            }
            finally
            {
                limiter.Exit(key);
            }
        });
    }
}
