using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Tests.QrLogin;

public sealed class QrSettingsRulesTests
{
    [Fact]
    public void Defaults_AreValid_AndMatchTheSpec()
    {
        var defaults = new QrSettings();

        Assert.Empty(QrSettingsRules.Validate(defaults));
        Assert.Equal(32, defaults.LsiCharset.Length);
        Assert.Equal(65, QrSettingsRules.EntropyBits(defaults.LsiCharset, defaults.LsiLength), precision: 6);
        Assert.True(QrSettingsRules.EntropyBits(defaults.DsiCharset, defaults.DsiLength) > 238);
        Assert.Equal(120, defaults.ExpirySeconds);
        Assert.True(defaults.Enabled);
    }

    [Theory]
    [InlineData("", "lsi.charset", "required")]
    [InlineData("A", "lsi.charset", "at least 2 distinct")]
    [InlineData("ABCA", "lsi.charset", "repeats 'A'")]
    [InlineData("AB C", "lsi.charset", "not allowed: U+0020")]
    [InlineData("AB/+", "lsi.charset", "not allowed: '/' '+'")]
    public void LsiCharset_Invalid_IsRefusedWithItsMessage(string charset, string field, string message)
    {
        var errors = QrSettingsRules.Validate(new QrSettings { LsiCharset = charset, LsiLength = 40 });

        Assert.Contains(message, errors[field]);
    }

    [Fact]
    public void DsiCharset_Invalid_IsRefusedOnItsOwnField()
    {
        var errors = QrSettingsRules.Validate(new QrSettings { DsiCharset = "ab#" });

        Assert.Equal([QrSettingsRules.Fields.DsiCharset], errors.Keys);
    }

    [Fact]
    public void AllUrlSafeSymbols_AreAccepted()
    {
        var settings = new QrSettings { LsiCharset = QrSettingsRules.UrlSafeSymbols, DsiCharset = QrSettingsRules.UrlSafeSymbols };

        Assert.Empty(QrSettingsRules.Validate(settings));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(65)]
    public void LsiLength_OutOfBounds_IsRefused(int length)
    {
        var errors = QrSettingsRules.Validate(new QrSettings { LsiLength = length });

        Assert.Contains("between 4 and 64", errors[QrSettingsRules.Fields.LsiLength]);
    }

    [Fact]
    public void Lsi_Below20Bits_IsRefused_At20Bits_IsAcceptedWithAWarning()
    {
        var weak = new QrSettings { LsiCharset = "0123456789", LsiLength = 6 };   // 19.9 bits
        var justEnough = new QrSettings { LsiCharset = "0123", LsiLength = 10 };  // 20 bits

        Assert.Contains("at least 20 are required", QrSettingsRules.Validate(weak)[QrSettingsRules.Fields.LsiLength]);
        Assert.Empty(QrSettingsRules.Validate(justEnough));
        var warning = QrSettingsRules.LsiWarning(justEnough, failedAttemptsPerHour: 1000);
        Assert.NotNull(warning);
        Assert.Contains("20 bits", warning);
        Assert.Contains("5.24e5 guesses", warning);
        Assert.Contains("1000 failed attempts per hour", warning);
    }

    [Fact]
    public void Lsi_At64BitsOrMore_HasNoWarning()
    {
        Assert.Null(QrSettingsRules.LsiWarning(new QrSettings(), 1000));
        Assert.Null(QrSettingsRules.LsiWarning(new QrSettings { LsiCharset = "ABCDEFGHIJKLMNOP", LsiLength = 16 }, 1000));
    }

    [Fact]
    public void Dsi_Below128Bits_IsRefused()
    {
        var weak = new QrSettings { DsiCharset = QrLoginDefaults.Base62Charset, DsiLength = 21 };   // 125 bits
        var strong = new QrSettings { DsiCharset = QrLoginDefaults.Base62Charset, DsiLength = 22 }; // 131 bits

        Assert.Contains("at least 128 are required", QrSettingsRules.Validate(weak)[QrSettingsRules.Fields.DsiLength]);
        Assert.Empty(QrSettingsRules.Validate(strong));
    }

    [Theory]
    [InlineData(9, false)]
    [InlineData(10, true)]
    [InlineData(600, true)]
    [InlineData(601, false)]
    public void Expiry_MustBeBetween10And600Seconds(int seconds, bool valid)
    {
        var errors = QrSettingsRules.Validate(new QrSettings { ExpirySeconds = seconds });

        Assert.Equal(valid, !errors.ContainsKey(QrSettingsRules.Fields.Expiry));
    }

    [Fact]
    public void Entropy_CountsDistinctSymbolsOnly()
    {
        Assert.Equal(10, QrSettingsRules.EntropyBits("ab", 10), precision: 6);
        Assert.Equal(0, QrSettingsRules.EntropyBits("a", 10));
        Assert.Equal(0, QrSettingsRules.EntropyBits(null, 10));
    }
}
