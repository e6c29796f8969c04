using QrLoginPortal.SignIn;

namespace QrLoginPortal.Tests.Security;

/// <summary>The one return-URL validator: local printable-ASCII paths pass, anything else is "/".</summary>
public sealed class ReturnUrlsTests
{
    [Theory]
    [InlineData("/account", "/account")]
    [InlineData("/qr/ABC?x=1#top", "/qr/ABC?x=1#top")]
    [InlineData("/%E3%80%80/x", "/%E3%80%80/x")]
    [InlineData("/", "/")]
    [InlineData(null, "/")]
    [InlineData("", "/")]
    [InlineData("//evil.example", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData("\\\\evil.example", "/")]
    [InlineData("https://evil.example", "/")]
    [InlineData("javascript:alert(1)", "/")]
    [InlineData("evil.example", "/")]
    [InlineData("/\u3000/x", "/")]
    [InlineData("/a b", "/")]
    [InlineData("/a\u0000b", "/")]
    [InlineData("/a\r\nLocation: x", "/")]
    [InlineData("/a\\b", "/")]
    public void LocalOrRoot_KeepsOnlyLocalAsciiPaths(string? returnUrl, string expected) =>
        Assert.Equal(expected, ReturnUrls.LocalOrRoot(returnUrl));

    [Fact]
    public void LocalOrRoot_RefusesOverlongUrls() =>
        Assert.Equal("/", ReturnUrls.LocalOrRoot("/" + new string('a', ReturnUrls.MaxLength)));

    [Theory]
    [InlineData("Account/Manage", "/Account/Manage")]
    [InlineData("http://portal.test/Account/LoginWith2fa?returnUrl=%2Fx", "/Account/LoginWith2fa?returnUrl=%2Fx")]
    [InlineData("HTTP://PORTAL.TEST/admin", "/admin")]
    [InlineData("http://portal.test.evil.example/", "/")]
    [InlineData("https://evil.example/x", "/")]
    [InlineData("https:evil.example", "/")]
    [InlineData("//evil.example", "/")]
    [InlineData("/account", "/account")]
    [InlineData("login?ReturnUrl=http://x", "/login?ReturnUrl=http://x")]
    public void LocalOrRoot_WithABase_TakesBaseRelativeAndOwnAbsoluteUrls(string target, string expected) =>
        Assert.Equal(expected, ReturnUrls.LocalOrRoot(target, "http://portal.test/"));
}
