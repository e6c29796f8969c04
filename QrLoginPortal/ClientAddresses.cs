namespace QrLoginPortal;

/// <summary>
/// The one place the web side reads who is asking: the client's address of a request (after the
/// trusted-proxy step has put the real one there). The engine takes the address as text and never
/// sees an <see cref="HttpContext"/>.
/// </summary>
public static class ClientAddresses
{
    /// <summary>The client's address as text (audit, sessions, the phone's network warning); null when unknown.</summary>
    public static string? ClientIp(this HttpContext context) => context.Connection.RemoteIpAddress?.ToString();

    /// <summary>The client's address (an IPv4 address seen as IPv6 given back as IPv4); null when unknown.</summary>
    public static System.Net.IPAddress? ClientIpAddress(this HttpContext context) =>
        context.Connection.RemoteIpAddress is { IsIPv4MappedToIPv6: true } mapped ? mapped.MapToIPv4() : context.Connection.RemoteIpAddress;

    /// <summary>The key per-address limits count under (IPv6 per /64, see <see cref="QrLogin.ClientAddress"/>).</summary>
    public static string ClientLimitKey(this HttpContext context) => QrLogin.ClientAddress.LimitKey(context.Connection.RemoteIpAddress);
}
