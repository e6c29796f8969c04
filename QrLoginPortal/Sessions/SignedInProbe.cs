using Microsoft.AspNetCore.Diagnostics;

namespace QrLoginPortal.Sessions;

/// <summary>
/// <c>GET /account/signed-in</c>: 204 when the browser's cookie belongs to an open session, 401 when it does not. A page
/// whose session a new sign-in on this browser replaced asks it before it loads again (<c>qrLogin.reloadOnceSignedIn</c>):
/// the push that tells the page can arrive before the new sign-in's answer has put the new cookie in the browser, and a
/// page loaded with the old one would land on the sign-in page. It says nothing a same-origin page could not see anyway.
/// </summary>
public static class SignedInProbe
{
    public const string Path = "/account/signed-in";

    public static IEndpointRouteBuilder MapSignedInProbe(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, (HttpContext http) =>
        {
            http.Response.Headers.CacheControl = "no-store";
            // A bare 401: the status-code page would run the request again as another path, whose refused cookie is deleted.
            if (http.Features.Get<IStatusCodePagesFeature>() is { } statusCodePages)
            {
                statusCodePages.Enabled = false;
            }

            // The cookie was checked against its session row on the way in: an ended session's cookie is not a user here.
            return http.User.Identity?.IsAuthenticated == true ? Results.NoContent() : Results.Unauthorized();
        }).AllowAnonymous().ExcludeFromDescription();
        return app;
    }
}
