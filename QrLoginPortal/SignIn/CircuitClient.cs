using Microsoft.AspNetCore.Components.Server.Circuits;

namespace QrLoginPortal.SignIn;

/// <summary>
/// Who is at the other end of an interactive page (a Blazor circuit), as its connection came in.
/// Components read this, never the <see cref="HttpContext"/>: inside a circuit there is no request
/// of theirs (Blazor's guidance), only the connection the circuit runs on.
/// </summary>
public sealed class CircuitClient
{
    /// <summary>The browser's address when its connection (re)opened; null before that, and outside a circuit.</summary>
    public string? Ip { get; private set; }

    internal void Connected(string? ip) => Ip = ip ?? Ip;
}

/// <summary>Fills <see cref="CircuitClient"/> each time the circuit's connection comes up (a reconnection may come from a new address).</summary>
public sealed class CircuitClientHandler(CircuitClient client, IHttpContextAccessor http) : CircuitHandler
{
    public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        // The one moment a request is at hand: the connection's own (WebSocket, or a long poll), from the browser.
        client.Connected(http.HttpContext?.ClientIp());
        return Task.CompletedTask;
    }
}
