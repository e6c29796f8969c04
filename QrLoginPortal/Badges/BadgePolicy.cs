namespace QrLoginPortal.Badges;

/// <summary>The badge rules an administrator sets (one row). Off until an administrator switches it on.</summary>
public sealed class BadgePolicy
{
    public const int SingletonId = 1;
    public const int MaxLifetimeDays = 3650;

    public int Id { get; set; } = SingletonId;

    /// <summary>Badge sign-in at all.</summary>
    public bool Enabled { get; set; }

    /// <summary>A badge alone signs in (first step); when false a badge only ever follows a password.</summary>
    public bool AllowAsFirstStep { get; set; } = true;

    /// <summary>Roles whose members may sign in with a badge (<see cref="BadgeRoles"/>).</summary>
    public List<string> AllowedRoles { get; set; } = [BadgeRoles.User];

    /// <summary>Roles whose members must scan their badge after their password before a session is made.</summary>
    public List<string> SecondStepRoles { get; set; } = [];

    /// <summary>Days a new badge stays valid; 0 means it never expires.</summary>
    public int LifetimeDays { get; set; }

    /// <summary>
    /// "Insecure ID badges": a QR that only names the person (nothing secret, nothing stored, nothing
    /// to void); scanning it fills in who signs in, and their password is still asked. Off by default.
    /// </summary>
    public bool InsecureIdBadges { get; set; }

    /// <summary>People may print (a new) badge of their own, and void it, from their account page.</summary>
    public bool UsersMayPrintOwn { get; set; } = true;

    public DateTimeOffset UpdatedAt { get; set; }
    public string? UpdatedBy { get; set; }

    public BadgePolicy Copy()
    {
        var copy = (BadgePolicy)MemberwiseClone();
        copy.AllowedRoles = [.. AllowedRoles];
        copy.SecondStepRoles = [.. SecondStepRoles];
        return copy;
    }

    /// <summary>The field errors of this policy; empty when it may be saved.</summary>
    /// <param name="knownRoles">The roles that exist (<see cref="BadgeRoles.All"/> and those created by administrators); defaults to the built-in two.</param>
    public IReadOnlyDictionary<string, string> Validate(IReadOnlyCollection<string>? knownRoles = null)
    {
        knownRoles ??= BadgeRoles.All;
        var errors = new Dictionary<string, string>();
        if (LifetimeDays is < 0 or > MaxLifetimeDays)
        {
            errors[nameof(LifetimeDays)] = $"Badge lifetime must be 0 (never expires) to {MaxLifetimeDays} days.";
        }

        if (AllowedRoles.Concat(SecondStepRoles).FirstOrDefault(r => !knownRoles.Contains(r, StringComparer.OrdinalIgnoreCase)) is { } unknown)
        {
            errors[nameof(AllowedRoles)] = $"Unknown role '{unknown}': choose from {string.Join(", ", knownRoles)}.";
        }

        if (SecondStepRoles.FirstOrDefault(r => !AllowedRoles.Contains(r)) is { } notAllowed)
        {
            errors[nameof(SecondStepRoles)] = $"Members of {notAllowed} cannot be asked for a badge they may not use: allow the role first.";
        }

        return errors;
    }
}

/// <summary>
/// The roles badge rules always know: every non-administrator ("User", not an Identity role) and administrators.
/// Roles an administrator creates (admin/roles) come on top, from <see cref="BadgePolicyStore.RoleNamesAsync"/>.
/// </summary>
public static class BadgeRoles
{
    public const string User = Accounts.Roles.User;
    public const string Admin = Accounts.Roles.Admin;
    public static readonly string[] All = [User, Admin];
}
