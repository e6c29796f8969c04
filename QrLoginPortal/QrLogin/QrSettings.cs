namespace QrLoginPortal.QrLogin;

/// <summary>The admin-editable QR settings: one row, the shape of the seed 003 config payload.</summary>
public sealed class QrSettings
{
    public const int SingletonId = 1;

    public int Id { get; set; } = SingletonId;
    public string LsiCharset { get; set; } = QrLoginDefaults.UnambiguousCharset;
    public int LsiLength { get; set; } = 13;
    public string DsiCharset { get; set; } = QrLoginDefaults.Base62Charset;
    public int DsiLength { get; set; } = 40;
    public int ExpirySeconds { get; set; } = 120;
    public bool Enabled { get; set; } = true;

    /// <summary>The sign-in page shows a code to type under the QR, for phones whose camera fails (<see cref="UserCodes"/>).</summary>
    public bool UserCodeEnabled { get; set; } = true;

    /// <summary>After the scan the sign-in page shows two digits that the phone must pick among three choices before it can approve.</summary>
    public bool NumberMatching { get; set; }

    /// <summary>Whose approvals need a passkey assertion with user verification on the phone (issue 17).</summary>
    public ApproverPasskeyPolicy ApproverPasskey { get; set; } = ApproverPasskeyPolicy.Off;

    public DateTimeOffset UpdatedAt { get; set; }
    public string? UpdatedBy { get; set; }

    public QrSettings Copy() => (QrSettings)MemberwiseClone();

    /// <summary>
    /// The one rule of who must prove their passkey to approve: nobody (Off), administrators, or everyone.
    /// An approval by someone it names is refused unless it carries an <see cref="ApproverVerification"/>.
    /// </summary>
    public bool NeedsApproverPasskey(bool approverIsAdmin) => ApproverPasskey switch
    {
        ApproverPasskeyPolicy.Off => false,
        ApproverPasskeyPolicy.Admins => approverIsAdmin,
        ApproverPasskeyPolicy.Everyone => true,
        _ => true,
    };

    public override string ToString() =>
        $"lsi {LsiLength}×[{LsiCharset}], dsi {DsiLength}×[{DsiCharset}], expiry {ExpirySeconds}s, {(Enabled ? "enabled" : "disabled")}, typed code {(UserCodeEnabled ? "on" : "off")}, number matching {(NumberMatching ? "on" : "off")}, approver passkey {ApproverPasskeyWords.Of(ApproverPasskey)}";
}

/// <summary>Whose approvals need the approver's passkey. Stored as its number: never renumber.</summary>
public enum ApproverPasskeyPolicy
{
    Off = 0,
    Admins = 1,
    Everyone = 2,
}

public static class ApproverPasskeyWords
{
    /// <summary>The policy as the audit log, the settings page and the config API say it.</summary>
    public static string Of(ApproverPasskeyPolicy policy) => policy switch
    {
        ApproverPasskeyPolicy.Off => "off",
        ApproverPasskeyPolicy.Admins => "admins",
        ApproverPasskeyPolicy.Everyone => "everyone",
        _ => policy.ToString(),
    };

    /// <summary>The policy named by <paramref name="word"/> (any case); false for anything else.</summary>
    public static bool TryParse(string? word, out ApproverPasskeyPolicy policy)
    {
        foreach (var candidate in Enum.GetValues<ApproverPasskeyPolicy>())
        {
            if (string.Equals(Of(candidate), word, StringComparison.OrdinalIgnoreCase))
            {
                policy = candidate;
                return true;
            }
        }

        policy = ApproverPasskeyPolicy.Off;
        return false;
    }
}
