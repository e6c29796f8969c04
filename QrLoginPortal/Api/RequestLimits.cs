using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using QrLoginPortal.SignIn;

namespace QrLoginPortal.Api;

/// <summary>
/// Size limits on what a request may send, answered 400 or 413 before anything parses it. It runs
/// before authentication because OpenIddict's handlers read a form body (for an access token or a
/// client secret) and let a malformed or oversized form escape as a 500.
/// </summary>
public static class RequestLimits
{
    public static IHostApplicationBuilder AddRequestLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PortalLimitsOptions>()
            .BindConfiguration(PortalLimitsOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<FormOptions>().Configure<IOptions<PortalLimitsOptions>>((form, limits) =>
        {
            form.ValueLengthLimit = limits.Value.MaxFormValueBytes;
            form.MultipartBodyLengthLimit = limits.Value.MaxRequestBodyBytes;
        });
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(kestrel =>
            kestrel.Limits.MaxRequestBodySize = builder.Configuration.GetValue($"{PortalLimitsOptions.Section}:{nameof(PortalLimitsOptions.MaxRequestBodyBytes)}",
                new PortalLimitsOptions().MaxRequestBodyBytes));
        return builder;
    }

    public static IApplicationBuilder UseRequestLimits(this IApplicationBuilder app)
    {
        var limits = app.ApplicationServices.GetRequiredService<IOptions<PortalLimitsOptions>>().Value;
        return app.Use(async (context, next) =>
        {
            var request = context.Request;
            var api = ApiExtensions.IsApiPath(request.Path);
            var max = api && !request.HasFormContentType ? ApiJson.MaxBodyBytes : limits.MaxRequestBodyBytes;
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
            {
                sizeFeature.MaxRequestBodySize = max;
            }

            if (request.ContentLength > max)
            {
                await RefuseAsync(context, StatusCodes.Status413PayloadTooLarge, $"The body is larger than {max / 1024} KB.", api);
                return;
            }

            if (request.HasFormContentType)
            {
                try
                {
                    // Read (and cached for everyone after) here, where a bad form is the client's fault.
                    await request.ReadFormAsync(context.RequestAborted);
                }
                catch (InvalidDataException)
                {
                    await RefuseAsync(context, StatusCodes.Status400BadRequest,
                        $"The form is malformed or a field is too long (names up to 2048 characters, values up to {limits.MaxFormValueBytes / 1024} KB).", api);
                    return;
                }
                catch (BadHttpRequestException ex)
                {
                    await RefuseAsync(context, ex.StatusCode, "The form could not be read.", api);
                    return;
                }
            }

            await next(context);
        });
    }

    private static Task RefuseAsync(HttpContext context, int status, string message, bool api)
    {
        // The status is the answer, not a page to re-execute (which would read the same body again).
        context.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>()?.Enabled = false;
        if (api)
        {
            return Results.Json(new ApiError(status == StatusCodes.Status413PayloadTooLarge ? "body_too_large" : "invalid_request", message,
                new Dictionary<string, string> { ["body"] = message }), statusCode: status).ExecuteAsync(context);
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(message, context.RequestAborted);
    }
}
