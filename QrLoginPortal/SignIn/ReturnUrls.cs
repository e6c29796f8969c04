namespace QrLoginPortal.SignIn;

/// <summary>
/// The one validator of return URLs: every endpoint and page that redirects to a URL it was given
/// sends it through here. Anything but a plain local path becomes "/", never an exception: an
/// open redirect is refused, and a value Kestrel could not put in a Location header (non-ASCII,
/// control characters) never reaches it.
/// </summary>
public static class ReturnUrls
{
    public const int MaxLength = 2048;

    /// <summary>The return URL if it is a local path such as /account (printable ASCII, not //, not /\), otherwise "/".</summary>
    public static string LocalOrRoot(string? returnUrl) => IsLocal(returnUrl) ? returnUrl! : "/";

    /// <summary>
    /// As <see cref="LocalOrRoot"/> for the Identity pages' style of target, relative to the app's
    /// base ("Account/Manage" is "/Account/Manage"); an absolute URL counts only when it is under
    /// <paramref name="baseUri"/>.
    /// </summary>
    public static string LocalOrRoot(string? target, string baseUri)
    {
        if (string.IsNullOrEmpty(target))
        {
            return "/";
        }

        if (target.StartsWith(baseUri, StringComparison.OrdinalIgnoreCase))
        {
            return LocalOrRoot("/" + target[baseUri.Length..]);
        }

        // A scheme (https:, javascript:) before any path separator is another site or worse.
        var colon = target.IndexOf(':');
        var separator = target.IndexOfAny(['/', '\\', '?', '#']);
        if (colon >= 0 && (separator < 0 || colon < separator))
        {
            return "/";
        }

        return LocalOrRoot(target[0] is '/' or '\\' ? target : "/" + target);
    }

    public static bool IsLocal([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? url)
    {
        if (string.IsNullOrEmpty(url) || url.Length > MaxLength || url[0] != '/')
        {
            return false;
        }

        if (url.Length > 1 && url[1] is '/' or '\\')
        {
            return false;
        }

        foreach (var c in url)
        {
            // Printable ASCII only; a backslash anywhere is read as a slash by some browsers.
            if (c is < (char)0x21 or > (char)0x7E or '\\')
            {
                return false;
            }
        }

        return true;
    }
}
