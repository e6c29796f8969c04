using System.ComponentModel.DataAnnotations;

namespace QrLoginPortal.Badges;

/// <summary>Section "Badges": how many wrong badges are tolerated before presenting more has to wait.</summary>
public sealed class BadgeOptions
{
    public const string Section = "Badges";

    /// <summary>Wrong badges one client address may present per 15 minutes; past it even a right one waits.</summary>
    [Range(1, 100_000)]
    public int FailuresPerAddress { get; set; } = BadgeSignInCheck.FailuresPerAddress;

    /// <summary>Wrong badges across the portal per hour; past it wrong badges wait (a valid badge is never held up by it).</summary>
    [Range(1, 10_000_000)]
    public int FailuresPerHour { get; set; } = BadgeSignInCheck.FailuresPerHour;
}
