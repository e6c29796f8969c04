using System.ComponentModel.DataAnnotations;

namespace QrLoginPortal.SignIn;

/// <summary>Section "SignIn": per-address request budgets of the sign-in endpoints, and how wrong passwords are throttled.</summary>
public sealed class SignInLimitsOptions : IValidatableObject
{
    public const string Section = "SignIn";

    /// <summary>Requests per client address per minute, for each endpoint family separately (ticket redemption, approval page, authn API, SSO).</summary>
    [Range(1, 1_000_000)]
    public int RequestsPerMinutePerIp { get; set; } = 30;

    /// <summary>The configured <see cref="RequestsPerMinutePerIp"/>, read while the rate limiter's policies are registered.</summary>
    public static int RequestsPerMinutePerIpOf(IConfiguration configuration) =>
        (configuration.GetSection(Section).Get<SignInLimitsOptions>() ?? new()).RequestsPerMinutePerIp;

    /// <summary>Wrong passwords one address may type per <see cref="FailedPasswordWindow"/>, whatever the accounts (password spraying).</summary>
    [Range(1, 10_000)]
    public int FailedPasswordsPerIp { get; set; } = 10;

    /// <summary>Wrong passwords one address may type for one account per <see cref="FailedPasswordWindow"/>; below the lockout, so one address cannot lock an account.</summary>
    [Range(1, 1_000)]
    public int FailedPasswordsPerAccountAndIp { get; set; } = 3;

    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan FailedPasswordWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Consecutive wrong passwords (from any addresses) after which Identity locks the account against new sign-ins.</summary>
    [Range(2, 1_000)]
    public int LockoutAfterFailedPasswords { get; set; } = 10;

    /// <summary>How long such a lockout lasts. It ends no existing session; only an administrator's lock does.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (FailedPasswordsPerAccountAndIp >= LockoutAfterFailedPasswords)
        {
            yield return new ValidationResult(
                $"SignIn:FailedPasswordsPerAccountAndIp ({FailedPasswordsPerAccountAndIp}) must be below SignIn:LockoutAfterFailedPasswords " +
                $"({LockoutAfterFailedPasswords}), or a single address could lock any account.",
                [nameof(FailedPasswordsPerAccountAndIp)]);
        }
    }
}
