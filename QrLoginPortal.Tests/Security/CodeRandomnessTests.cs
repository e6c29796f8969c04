using System.Security.Cryptography;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Tests.Security;

/// <summary>
/// Per-position chi-square of generated codes: every position of the lsi and the dsi, with the
/// default settings, is uniform over its charset. The significance level is very low (1e-6 per
/// position, about 5e-5 for all 53 positions of a run) so a sound generator does not flake, and the
/// biased generators below show the same check does catch a flawed one.
/// </summary>
public sealed class CodeRandomnessTests
{
    private const int Samples = 10_000;
    private const double Alpha = 1e-6;

    [Theory]
    [InlineData("lsi")]
    [InlineData("dsi")]
    public void EveryPositionOfAGeneratedCode_IsUniformOverItsCharset(string which)
    {
        var settings = new QrSettings();
        var (charset, length) = which == "lsi" ? (settings.LsiCharset, settings.LsiLength) : (settings.DsiCharset, settings.DsiLength);

        // The call QrLoginService.CreateAsync makes for each new transaction.
        var codes = Enumerable.Range(0, Samples).Select(_ => Secrets.Generate(charset, length)).ToList();

        var critical = ChiSquareCritical(charset.Length - 1, Alpha);
        Assert.All(Enumerable.Range(0, length), position =>
            Assert.True(ChiSquareAt(codes, position, charset) < critical,
                $"{which} position {position}: chi-square {ChiSquareAt(codes, position, charset):0.0} ≥ {critical:0.0} (df {charset.Length - 1}, alpha {Alpha})"));
    }

    [Fact]
    public void AGeneratorThatNeverDrawsTheLastSymbol_IsCaught_AtTheSameSampleSize()
    {
        var charset = new QrSettings().LsiCharset;
        var codes = Enumerable.Range(0, Samples)
            .Select(_ => string.Concat(Enumerable.Range(0, 13).Select(_ => charset[RandomNumberGenerator.GetInt32(charset.Length - 1)])))
            .ToList();

        var critical = ChiSquareCritical(charset.Length - 1, Alpha);

        Assert.All(Enumerable.Range(0, 13), position => Assert.True(ChiSquareAt(codes, position, charset) > critical));
    }

    [Fact]
    public void AByteModuloGenerator_IsCaught()
    {
        // 62 symbols from one byte: the first 8 (256 mod 62) come 5/4 as often. That bias needs about
        // 50,000 codes per position to stand out at this significance level (10,000 give a chi-square near the limit).
        var charset = new QrSettings().DsiCharset;
        var codes = Enumerable.Range(0, 50_000)
            .Select(_ => string.Concat(RandomNumberGenerator.GetBytes(4).Select(b => charset[b % charset.Length])))
            .ToList();

        var critical = ChiSquareCritical(charset.Length - 1, Alpha);

        Assert.All(Enumerable.Range(0, 4), position => Assert.True(ChiSquareAt(codes, position, charset) > critical));
    }

    [Theory]
    [InlineData(31, 83.0, 85.0)]
    [InlineData(61, 127.5, 130.0)]
    public void TheCriticalValue_IsTheChiSquareQuantile(int degreesOfFreedom, double low, double high)
    {
        // The exact upper 1e-6 quantiles are 83.6 (df 31) and 128.5 (df 61); the approximation errs a little high, so a little stricter.
        Assert.InRange(ChiSquareCritical(degreesOfFreedom, Alpha), low, high);
    }

    private static double ChiSquareAt(IReadOnlyList<string> codes, int position, string charset)
    {
        var counts = new int[charset.Length];
        foreach (var code in codes)
        {
            var index = charset.IndexOf(code[position], StringComparison.Ordinal);
            Assert.True(index >= 0, $"'{code[position]}' is not in the charset");
            counts[index]++;
        }

        var expected = (double)codes.Count / charset.Length;
        return counts.Sum(c => (c - expected) * (c - expected) / expected);
    }

    /// <summary>The upper <paramref name="alpha"/> quantile of chi-square, by Wilson–Hilferty (within a fraction of a percent here).</summary>
    private static double ChiSquareCritical(int degreesOfFreedom, double alpha)
    {
        var z = NormalUpperQuantile(alpha);
        var k = (double)degreesOfFreedom;
        var term = 1 - 2 / (9 * k) + z * Math.Sqrt(2 / (9 * k));
        return k * term * term * term;
    }

    // Inverts the normal upper tail by bisection on erfc; plenty for a test's constant.
    private static double NormalUpperQuantile(double alpha)
    {
        double low = 0, high = 10;
        for (var i = 0; i < 200; i++)
        {
            var mid = (low + high) / 2;
            if (UpperTail(mid) > alpha)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        return (low + high) / 2;
    }

    private static double UpperTail(double z) => 0.5 * Erfc(z / Math.Sqrt(2));

    // Numerical Recipes' erfc (fractional error below 1.2e-7).
    private static double Erfc(double x)
    {
        var t = 1 / (1 + 0.5 * Math.Abs(x));
        var y = t * Math.Exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
            + t * (0.27886807 + t * (-1.13520398 + t * (1.48851973 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? y : 2 - y;
    }
}
