using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Identity;
using QrLoginPortal.Data;
using QrLoginPortal.SignIn;

namespace QrLoginPortal.Components.Account;

internal sealed class IdentityRedirectManager(NavigationManager navigationManager)
{
    public const string StatusCookieName = "Identity.StatusMessage";

    private static readonly CookieBuilder StatusCookieBuilder = new()
    {
        SameSite = SameSiteMode.Strict,
        HttpOnly = true,
        IsEssential = true,
        MaxAge = TimeSpan.FromSeconds(5),
    };

    /// <summary>
    /// Goes to <paramref name="uri"/> if it is a page of this portal, otherwise home: return URLs come
    /// from the query string, so anything else (another site, a scheme, non-ASCII) is not followed.
    /// </summary>
    public void RedirectTo(string? uri) =>
        navigationManager.NavigateTo(ReturnUrls.LocalOrRoot(uri, navigationManager.BaseUri));

    public void RedirectTo(string uri, Dictionary<string, object?> queryParameters)
    {
        var uriWithoutQuery = navigationManager.ToAbsoluteUri(uri).GetLeftPart(UriPartial.Path);
        var newUri = navigationManager.GetUriWithQueryParameters(uriWithoutQuery, queryParameters);
        RedirectTo(newUri);
    }

    public void RedirectToWithStatus(string uri, string message, HttpContext context)
    {
        context.Response.Cookies.Append(StatusCookieName, message, StatusCookieBuilder.Build(context));
        RedirectTo(uri);
    }

    private string CurrentPath => navigationManager.ToAbsoluteUri(navigationManager.Uri).GetLeftPart(UriPartial.Path);

    public void RedirectToCurrentPage() => RedirectTo(CurrentPath);

    public void RedirectToCurrentPageWithStatus(string message, HttpContext context)
        => RedirectToWithStatus(CurrentPath, message, context);

    /// <summary>To the lockout page, which then says whose lock it is and, for a failed-password lockout, when it ends.</summary>
    public void RedirectToLockout(ApplicationUser? user) => RedirectTo("Account/Lockout", Pages.Lockout.QueryFor(user));

    public void RedirectToInvalidUser(UserManager<ApplicationUser> userManager, HttpContext context)
        => RedirectToWithStatus("Account/InvalidUser", $"Error: Unable to load user with ID '{userManager.GetUserId(context.User)}'.", context);
}
