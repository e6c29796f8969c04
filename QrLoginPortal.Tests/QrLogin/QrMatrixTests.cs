using System.Security.Cryptography;
using QrLoginPortal.Badges;
using QrLoginPortal.QrLogin;
using QrLoginPortal.SignIn;
using QrLoginPortal.Tests.Infrastructure;
using QRCoder;

namespace QrLoginPortal.Tests.QrLogin;

/// <summary>
/// The portal's own QR encoder (issue 16: the shown code in ≤ 50 µs) against QRCoder, the library it replaced and
/// keeps here as the reference: same version, level M, mask and every module, and the same PNG bytes.
/// </summary>
public class QrMatrixTests
{
    private const string LsiSymbols = QrSettingsRules.UrlSafeSymbols;

    private static readonly string[] Origins =
    [
        "https://login.example.com", "https://localhost:5001", "http://192.168.1.20:5000", "https://sso.corp.example.org",
        "https://a.b", "https://sign-in.portal.very-long-subdomain.example-company.co.uk:8443",
    ];

    /// <summary>Approval URLs as the portal makes them: any configured origin, any lsi charset and length the settings allow.</summary>
    public static IEnumerable<TheoryDataRow<string>> ApprovalUrls()
    {
        var seed = new Random(16);
        for (var i = 0; i < 400; i++)
        {
            var origin = Origins[seed.Next(Origins.Length)];
            var charset = seed.Next(3) switch
            {
                0 => QrLoginDefaults.UnambiguousCharset,
                1 => QrLoginDefaults.Base62Charset,
                _ => LsiSymbols,
            };
            var lsi = new string(Enumerable.Range(0, seed.Next(QrSettingsRules.LsiMinLength, QrSettingsRules.LsiMaxLength + 1))
                .Select(_ => charset[seed.Next(charset.Length)]).ToArray());
            yield return new(PublicOrigin.ApprovalUrl(origin, lsi));
        }
    }

    [Theory]
    [MemberData(nameof(ApprovalUrls))]
    public void An_approval_url_gives_QRCoders_code_module_for_module(string url) => AssertSameAsQrCoder(url);

    [Fact]
    public void Badges_in_alphanumeric_mode_give_QRCoders_code()
    {
        for (var i = 0; i < 50; i++)
        {
            AssertSameAsQrCoder(BadgeSecret.QrContent(BadgeSecret.Generate()));
        }
    }

    /// <summary>For each mode and version: the longest text that fits, and one character more (the next version).</summary>
    public static IEnumerable<TheoryDataRow<string, int>> VersionBoundaries()
    {
        // Symbols of one mode only (no digits among the alphanumerics, no alphanumerics among the bytes), so that the
        // segments, and with them the version, depend on the length alone.
        foreach (var (mode, symbols) in new[] { ("byte", "abcdefghijklmnopqrstuvwxyz_~"), ("alphanumeric", "ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"), ("numeric", "0123456789") })
        {
            var seed = new Random(mode.Length);
            string Text(int n) => new(Enumerable.Range(0, n).Select(_ => symbols[seed.Next(symbols.Length)]).ToArray());
            var longest = 0;
            for (var version = 1; version <= 40; version++)
            {
                // The longest text QRCoder puts in this version (a binary search; the version only grows with the length).
                int low = longest, high = longest * 2 + 64;
                while (low < high)
                {
                    var middle = (low + high + 1) / 2;
                    if (VersionOf(Text(middle)) <= version)
                    {
                        low = middle;
                    }
                    else
                    {
                        high = middle - 1;
                    }
                }

                longest = low;
                yield return new(Text(longest), version);
                if (version < 40)
                {
                    yield return new(Text(longest + 1), version + 1);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(VersionBoundaries))]
    public void Texts_at_a_version_boundary_give_QRCoders_code(string text, int version)
    {
        Assert.Equal(version, QrMatrix.Encode(text).Version);
        AssertSameAsQrCoder(text);
    }

    [Theory]
    [InlineData("")]
    [InlineData("https://login.example.com/qr/ÄÖÜ-café")] // ISO-8859-1 bytes
    [InlineData("https://login.example.com/qr/登录-✓")] // UTF-8 bytes
    [InlineData("0")]
    [InlineData("HTTPS://LOGIN.EXAMPLE.COM/QR/ABC")] // alphanumeric throughout
    [InlineData("https://login.example.com/qr/12345678901234567890")] // byte, alphanumeric and numeric segments
    [InlineData("https://login.example.com/qr/ABCDEFGHJKMNPQRSTUVWX")]
    public void Other_texts_give_QRCoders_code(string text) => AssertSameAsQrCoder(text);

    [Fact]
    public void Every_mask_is_chosen_somewhere_and_each_matches_QRCoder()
    {
        var seen = new HashSet<int>();
        for (var i = 0; seen.Count < 8 && i < 2000; i++)
        {
            var text = PublicOrigin.ApprovalUrl("https://login.example.com", RandomNumberGenerator.GetString(QrLoginDefaults.UnambiguousCharset, 13));
            var matrix = QrMatrix.Encode(text);
            if (seen.Add(matrix.Mask))
            {
                AssertSameAsQrCoder(text);
            }
        }

        Assert.Equal(8, seen.Count);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(6)]
    [InlineData(8)]
    public void The_png_is_byte_for_byte_QRCoders(int pixelsPerModule)
    {
        foreach (var text in new[] { "https://login.example.com/qr/ABCDEFGHJKMNP", BadgeSecret.QrContent(BadgeSecret.Generate()), "https://localhost:5001/qr/" + new string('x', 64) })
        {
            using var data = QRCodeGenerator.GenerateQrCode(text, QRCodeGenerator.ECCLevel.M);
            var expected = new PngByteQRCode(data).GetGraphic(pixelsPerModule);
            Assert.Equal(expected, QrCodeRenderer.RenderPng(text, pixelsPerModule));
        }
    }

    [Fact]
    public void A_phone_reads_the_rendered_code_back()
    {
        foreach (var row in ApprovalUrls().Take(40))
        {
            var url = row.Data;
            Assert.Equal(url, QrImage.Decode(QrCodeRenderer.RenderPng(url, QrCodeRenderer.OnScreenPixelsPerModule)));
        }
    }

    [Fact]
    public void A_text_too_long_for_any_version_is_refused_by_name()
    {
        var error = Assert.Throws<ArgumentException>(() => QrMatrix.Encode(new string('a', 2400)));
        Assert.Equal("text", error.ParamName);
    }

    private static int VersionOf(string text)
    {
        try
        {
            using var data = QRCodeGenerator.GenerateQrCode(text, QRCodeGenerator.ECCLevel.M);
            return data.Version;
        }
        catch (QRCoder.Exceptions.DataTooLongException)
        {
            return 41;
        }
    }

    private static void AssertSameAsQrCoder(string text)
    {
        using var expected = QRCodeGenerator.GenerateQrCode(text, QRCodeGenerator.ECCLevel.M);
        var actual = QrMatrix.Encode(text);
        Assert.Equal(expected.Version, actual.Version);
        var size = expected.ModuleMatrix.Count - 8; // QRCoder's matrix holds the 4-module quiet zone
        Assert.Equal(size, actual.Size);
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                if (expected.ModuleMatrix[y + 4][x + 4] != actual.IsDark(x, y))
                {
                    Assert.Fail($"\"{text}\" (version {actual.Version}, mask {actual.Mask}): module ({x}, {y}) differs from QRCoder's.");
                }
            }
        }
    }
}
