using System.Net;
using System.Net.Sockets;

namespace QrLoginPortal.QrLogin;

/// <summary>
/// The key every per-address limit counts under. One IPv6 subscriber usually holds a whole /64
/// (and can pick any address in it), so IPv6 addresses count per /64; IPv4 per address. Audit
/// entries keep the full address; this is only for limits.
/// </summary>
public static class ClientAddress
{
    public const string Unknown = "unknown";

    public static string LimitKey(IPAddress? address)
    {
        if (address is null)
        {
            return Unknown;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }

    /// <summary>The limit key of an address given as text (as the engine receives it), or <see cref="Unknown"/>.</summary>
    public static string LimitKey(string? address) =>
        IPAddress.TryParse(address, out var parsed) ? LimitKey(parsed) : address ?? Unknown;
}
