using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Tests.QrLogin;

public sealed class RequesterDetailsTests
{
    [Theory]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36 Edg/140.0.0.0", "Edge 140", "Windows 10/11")]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36", "Chrome 140", "Windows 10/11")]
    [InlineData("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", "Safari 18", "macOS")]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox 133", "Linux")]
    [InlineData("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1", "Safari 18", "iOS (iPhone)")]
    [InlineData("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36", "Chrome 140", "Android 14")]
    [InlineData("", "Unknown browser", "unknown system")]
    public void UserAgent_IsSummarisedAsBrowserAndSystem(string userAgent, string browser, string system)
    {
        var summary = UserAgentSummary.Parse(userAgent);

        Assert.Equal(browser, summary.Browser);
        Assert.Equal(system, summary.OperatingSystem);
    }

    [Theory]
    [InlineData("192.168.1.10", "192.168.1.77", true)]
    [InlineData("192.168.1.10", "192.168.2.10", false)]
    [InlineData("203.0.113.5", "::ffff:203.0.113.9", true)]
    [InlineData("2001:db8:1:2::10", "2001:db8:1:2::99", true)]
    [InlineData("2001:db8:1:2::10", "2001:db8:1:3::10", false)]
    [InlineData("127.0.0.1", "::1", true)]
    [InlineData("10.0.0.1", null, false)]
    [InlineData("10.0.0.1", "not an ip", false)]
    public void SameNetwork_ComparesIPv4Slash24AndIPv6Slash64(string? phone, string? browser, bool same)
    {
        Assert.Equal(same, NetworkComparison.SameNetwork(phone, browser));
    }
}
