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

    public DateTimeOffset UpdatedAt { get; set; }
    public string? UpdatedBy { get; set; }

    public QrSettings Copy() => (QrSettings)MemberwiseClone();

    public override string ToString() =>
        $"lsi {LsiLength}×[{LsiCharset}], dsi {DsiLength}×[{DsiCharset}], expiry {ExpirySeconds}s, {(Enabled ? "enabled" : "disabled")}, typed code {(UserCodeEnabled ? "on" : "off")}, number matching {(NumberMatching ? "on" : "off")}";
}
