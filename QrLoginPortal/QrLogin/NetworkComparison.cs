using System.Net;
using System.Net.Sockets;

namespace QrLoginPortal.QrLogin;

/// <summary>
/// Decides whether two client addresses look like the same network. A QR relayed to a victim by a
/// phisher (QRLJacking) is scanned from a different network than the browser that shows it.
/// </summary>
public static class NetworkComparison
{
    /// <summary>True when both addresses parse and share an IPv4 /24 or an IPv6 /64 (IPv4-mapped addresses count as IPv4).</summary>
    public static bool SameNetwork(string? first, string? second)
    {
        if (!IPAddress.TryParse(first, out var a) || !IPAddress.TryParse(second, out var b))
        {
            return false;
        }

        a = Normalize(a);
        b = Normalize(b);
        if (IPAddress.IsLoopback(a) && IPAddress.IsLoopback(b))
        {
            return true;
        }

        if (a.AddressFamily != b.AddressFamily)
        {
            return false;
        }

        var prefixBytes = a.AddressFamily == AddressFamily.InterNetwork ? 3 : 8;
        return a.GetAddressBytes().AsSpan(0, prefixBytes).SequenceEqual(b.GetAddressBytes().AsSpan(0, prefixBytes));
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
