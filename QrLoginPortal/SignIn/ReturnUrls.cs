namespace QrLoginPortal.SignIn;

public static class ReturnUrls
{
    /// <summary>The return URL if it stays on this site (a path such as /account), otherwise "/". Never an open redirect.</summary>
    public static string LocalOrRoot(string? returnUrl)
    {
        if (string.IsNullOrEmpty(returnUrl) || returnUrl.Length > 2048)
        {
            return "/";
        }

        var local = returnUrl[0] == '/'
                    && (returnUrl.Length == 1 || (returnUrl[1] != '/' && returnUrl[1] != '\\'))
                    && !returnUrl.Any(char.IsControl);
        return local ? returnUrl : "/";
    }
}
