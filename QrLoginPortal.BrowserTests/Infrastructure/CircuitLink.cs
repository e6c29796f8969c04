using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace QrLoginPortal.BrowserTests.Infrastructure;

/// <summary>
/// A page's connection to its circuit, which a test can cut and restore as a network drop does: the
/// page's Blazor WebSocket is routed through Playwright, so both its ends can be closed, and the
/// context is offline meanwhile, so the reconnection attempts fail until <see cref="RestoreAsync"/>.
/// </summary>
public sealed partial class CircuitLink
{
    private readonly IPage _page;
    private readonly List<(IWebSocketRoute Page, IWebSocketRoute Server)> _open = [];
    private bool _down;

    private CircuitLink(IPage page) => _page = page;

    /// <summary>Routes the page's circuit connections; call before the page opens one.</summary>
    public static async Task<CircuitLink> InstallAsync(IPage page)
    {
        var link = new CircuitLink(page);
        await page.RouteWebSocketAsync(BlazorHub(), link.Route);
        return link;
    }

    /// <summary>Cuts the connection: the server sees it close, the page sees it close, and new ones fail.</summary>
    public async Task DropAsync()
    {
        List<(IWebSocketRoute Page, IWebSocketRoute Server)> open;
        lock (_open)
        {
            _down = true;
            open = [.. _open];
            _open.Clear();
        }

        await _page.Context.SetOfflineAsync(true);
        foreach (var (page, server) in open)
        {
            await server.CloseAsync();
            await page.CloseAsync();
        }
    }

    /// <summary>The network is back: the page's next reconnection attempt reaches the server.</summary>
    public async Task RestoreAsync()
    {
        lock (_open)
        {
            _down = false;
        }

        await _page.Context.SetOfflineAsync(false);
    }

    private void Route(IWebSocketRoute socket)
    {
        lock (_open)
        {
            if (_down)
            {
                _ = socket.CloseAsync();
                return;
            }

            _open.Add((socket, socket.ConnectToServer()));
        }
    }

    [GeneratedRegex("/_blazor")]
    private static partial Regex BlazorHub();
}
