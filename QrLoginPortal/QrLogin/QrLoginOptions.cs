using System.ComponentModel.DataAnnotations;

namespace QrLoginPortal.QrLogin;

/// <summary>Operational settings of the engine (section "QrLogin" of the configuration). The security settings an admin edits live in <see cref="QrSettings"/>.</summary>
public sealed class QrLoginOptions : IValidatableObject
{
    public const string Section = "QrLogin";

    /// <summary>How often overdue PENDING transactions are marked TIMEOUT and their waiters told.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long finished transactions are kept before they are deleted.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Failed lsi attempts tolerated across the whole portal per hour; past it every attempt waits. Shown with weak-lsi warnings.</summary>
    [Range(1, 1_000_000)]
    public int FailedAttemptsPerHour { get; set; } = 1000;

    /// <summary>Failed lsi attempts one signed-in user may make from one address per 15 minutes.</summary>
    [Range(1, 10_000)]
    public int FailedAttemptsPerUser { get; set; } = 10;

    /// <summary>Failed lsi attempts from one address, whatever the users, per 15 minutes.</summary>
    [Range(1, 100_000)]
    public int FailedAttemptsPerIp { get; set; } = 30;

    /// <summary>Failed lsi attempts one API client (an authenticator backend) may make per 15 minutes; they never count against the users it names.</summary>
    [Range(1, 1_000_000)]
    public int FailedAttemptsPerApiClient { get; set; } = 100;

    /// <summary>PENDING codes the whole portal may hold at once; past it new sign-in pages say "busy" (the API answers 503).</summary>
    [Range(1, 10_000_000)]
    public int MaxPending { get; set; } = 5_000;

    /// <summary>New QR codes the whole portal may make per minute, across all addresses.</summary>
    [Range(1, 10_000_000)]
    public int CreatedPerMinute { get; set; } = 3_000;

    /// <summary>New QR codes one client address (an IPv6 /64 counts as one) may ask for per minute.</summary>
    [Range(1, 1_000_000)]
    public int CreatedPerMinutePerIp { get; set; } = 30;

    /// <summary>
    /// Base64 of at least 32 random bytes: the HMAC key typed codes are stored under (<see cref="QrLogin.UserCodeKey"/>).
    /// Unset, each process draws its own, which serves one node; several nodes on one database need the same
    /// key each, or typed codes stay off. A secret: keep it out of the repository like a connection string.
    /// </summary>
    public string? UserCodeKey { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(UserCodeKey))
        {
            yield break;
        }

        var bytes = new byte[UserCodeKey.Length];
        if (!Convert.TryFromBase64String(UserCodeKey, bytes, out var length) || length < 32)
        {
            yield return new ValidationResult($"{Section}:{nameof(UserCodeKey)} must be base64 of at least 32 random bytes (e.g. openssl rand -base64 32).",
                [nameof(UserCodeKey)]);
        }
    }
}
