using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace QrLoginPortal.Components.Account;

/// <summary>The Identity tokens that mailed links carry, Base64Url-encoded in the address.</summary>
internal static class AccountLinkCodes
{
    /// <summary>The token in <paramref name="code"/>, or null when it is not Base64Url (a mangled link): a page says so, never a 500.</summary>
    public static string? Decode(string code)
    {
        try
        {
            return Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(code));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
