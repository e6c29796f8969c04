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
    public void Generate_UsesEverySymbolRoughlyEvenly()
    {
        var counts = string.Concat(Enumerable.Range(0, 2000).Select(_ => Secrets.Generate("ABCD", 10)))
            .GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count());

        // 20,000 draws from 4 symbols: 5,000 each expected; a biased generator lands far outside ±10 %.
        Assert.Equal(4, counts.Count);
        Assert.All(counts.Values, n => Assert.InRange(n, 4500, 5500));
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
