using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Components.Endpoints;
using QrLoginPortal.Components.QrLogin;

namespace QrLoginPortal.Components;

/// <summary>
/// A form posted to one of the portal's pages whose antiforgery token does not pass: the page was opened before the
/// browser signed in or out (in another tab), or its cookies were cleared since. Blazor's endpoint answers that with a
/// 400 in plain text meant for developers ("A valid antiforgery token was not provided…"), which a phone showed as
/// the whole page. This answers the same 400 with a page that says what happened and leads back to the same page,
/// freshly opened. Nothing of the form is read or acted on.
/// </summary>
internal static class OutOfDateForms
{
    /// <summary>Place right after <c>UseAntiforgery</c>, which sets the token's outcome for the page's endpoint.</summary>
    public static IApplicationBuilder UseOutOfDateFormPage(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (HttpMethods.IsPost(context.Request.Method)
            && context.GetEndpoint()?.Metadata.GetMetadata<ComponentTypeMetadata>() is { } page
            && context.Features.Get<IAntiforgeryValidationFeature>() is { IsValid: false })
        {
            await AnswerAsync(context, page.Type == typeof(ApproveSignIn));
            return;
        }

        await next(context);
    });

    private static Task AnswerAsync(HttpContext context, bool approval)
    {
        var again = HtmlEncoder.Default.Encode(context.Request.PathBase + context.Request.Path + context.Request.QueryString);
        var notTaken = approval
            ? "The sign-in was neither approved nor denied. Open the page again, check the number and tap again."
            : "Nothing you sent was taken. Open the page again and send it once more.";
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync($$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Page out of date</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 0; padding: 2rem 1rem; color: #1f1f1f; background: #f5f5f5; }
            main { max-width: 32rem; margin: 0 auto; background: #fff; border-radius: 8px; padding: 1.5rem; box-shadow: 0 1px 3px rgb(0 0 0 / 0.2); }
            h1 { font-size: 1.5rem; margin-top: 0; }
            a { display: inline-block; margin-top: 0.5rem; padding: 0.6rem 1.2rem; border-radius: 4px; background: #594ae2; color: #fff; text-decoration: none; }
            </style>
            </head>
            <body>
            <main>
            <h1>This page is out of date</h1>
            <p>It was opened before this browser signed in or out in another tab, or its cookies were cleared since, so it could not be trusted with your answer.</p>
            <p>{{notTaken}}</p>
            <a href="{{again}}">Open the page again</a>
            </main>
            </body>
            </html>
            """);
    }
}
