using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Tests.QrLogin;

public sealed class SecretsTests
{
    [Fact]
    public void Generate_DrawsOnlyFromTheCharset_AtTheRequestedLength()
    {
        var values = Enumerable.Range(0, 200).Select(_ => Secrets.Generate("xyz", 17)).ToList();

        Assert.All(values, v => Assert.Equal(17, v.Length));
        Assert.All(values, v => Assert.Matches("^[xyz]+$", v));
        Assert.Equal(200, values.Distinct().Count());
    }

    [Fact]
    public void Generate_IsUniform_EvenWhenTheCharsetDoesNotDivide256()
    {
        // 62 symbols: a byte-modulo generator would favour the first 8 (256 mod 62) by 5/4.
        var draws = string.Concat(Enumerable.Range(0, 5000).Select(_ => Secrets.Generate(QrLoginDefaults.Base62Charset, 40)));
        var expected = draws.Length / 62.0;
        var counts = draws.GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count());

        var chiSquare = QrLoginDefaults.Base62Charset.Sum(c => Math.Pow(counts.GetValueOrDefault(c) - expected, 2) / expected);

        // 61 degrees of freedom: p = 0.001 at about 100. Modulo bias here would score in the thousands.
        Assert.InRange(chiSquare, 0, 100);
    }

    [Fact]
    public void Hash_IsSha256_AndDiffersFromTheSecret()
    {
        var hash = Secrets.Hash("abc");

        Assert.Equal("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", Convert.ToHexString(hash));
    }

    [Fact]
    public void NewToken_Is256BitsUrlSafe()
    {
        var token = Secrets.NewToken();

        Assert.Equal(43, token.Length);
        Assert.Matches("^[A-Za-z0-9_-]+$", token);
    }
}
