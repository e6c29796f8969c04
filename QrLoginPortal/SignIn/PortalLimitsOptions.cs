using System.ComponentModel.DataAnnotations;

namespace QrLoginPortal.SignIn;

/// <summary>Portal-wide caps on what one request or one address may cost (section "Limits" of the configuration).</summary>
public sealed class PortalLimitsOptions
{
    public const string Section = "Limits";

    /// <summary>The largest request body of any endpoint; larger ones are answered 413 before they are read.</summary>
    [Range(64 * 1024, 100 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>The longest value of a form field (passkey credentials are the largest the portal takes, a few KB).</summary>
    [Range(4 * 1024, 4 * 1024 * 1024)]
    public int MaxFormValueBytes { get; set; } = 64 * 1024;

    /// <summary>Interactive pages (Blazor circuits) one address may hold open at once; an IPv6 /64 counts as one address.</summary>
    [Range(1, 100_000)]
    public int CircuitsPerAddress { get; set; } = 50;
}
