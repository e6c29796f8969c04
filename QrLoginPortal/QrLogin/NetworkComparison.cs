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

    /// <summary>
    /// The network an address belongs to, in words a person can tell apart ("home or office network",
    /// "network 203.0.113.x"): no place database ships with the portal, so the network is the approximate place.
    /// </summary>
    public static string Describe(string? address)
    {
        if (!IPAddress.TryParse(address, out var ip))
        {
            return "unknown network";
        }

        ip = Normalize(ip);
        if (IPAddress.IsLoopback(ip))
        {
            return "this computer";
        }

        var bytes = ip.GetAddressBytes();
        if (ip.AddressFamily == AddressFamily.InterNetwork)
        {
            var isPrivate = bytes[0] == 10 || (bytes[0] == 172 && bytes[1] is >= 16 and <= 31) || (bytes[0] == 192 && bytes[1] == 168)
                || (bytes[0] == 100 && bytes[1] is >= 64 and <= 127);
            var network = $"{bytes[0]}.{bytes[1]}.{bytes[2]}.x";
            return isPrivate ? $"local network {network}" : $"network {network}";
        }

        if (ip.IsIPv6LinkLocal || ip.IsIPv6UniqueLocal || ip.IsIPv6SiteLocal)
        {
            return "local network";
        }

        return $"network {string.Join(':', Enumerable.Range(0, 4).Select(i => ((bytes[2 * i] << 8) | bytes[2 * i + 1]).ToString("x")))}::/64";
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
