using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace QrLoginPortal.Api;

/// <summary>Reads an optional JSON body: none at all is "empty", and a value of the wrong type is a 400 naming its field.</summary>
public static class ApiJson
{
    /// <summary>The largest JSON body of any API endpoint (the request limits refuse a larger declared length before this).</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <returns>The body (null when there is none), or the 400 to answer instead.</returns>
    public static async Task<(T? Body, JsonHttpResult<ApiError>? Error)> ReadOptionalAsync<T>(HttpContext context, string example) where T : class
    {
        // The body is at most MaxBodyBytes, read into one pooled buffer: an attempt is one of every sign-in's three
        // requests, and a fresh 8 KB chunk plus two copies of the body each time was garbage for the collector.
        var buffer = ArrayPool<byte>.Shared.Rent(MaxBodyBytes + 1);
        try
        {
            var length = 0;
            try
            {
                int read;
                while ((read = await context.Request.Body.ReadAsync(buffer.AsMemory(length, MaxBodyBytes + 1 - length), context.RequestAborted)) > 0)
                {
                    length += read;
                    if (length > MaxBodyBytes)
                    {
                        return (null, TooLarge());
                    }
                }
            }
            catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return (null, TooLarge());
            }
            catch (BadHttpRequestException)
            {
                return (null, ApiError.BadRequest("body", "The body could not be read."));
            }

            var body = buffer.AsSpan(0, length);
            if (body.Trim(" \r\n\t"u8).IsEmpty)
            {
                return (null, null);
            }

            try
            {
                return (JsonSerializer.Deserialize<T>(body, JsonSerializerOptions.Web), null);
            }
            catch (JsonException ex) when (ex.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal))
            {
                var field = path[2..];
                return (null, ApiError.BadRequest(field, $"{field} has the wrong type: it must be a string."));
            }
            catch (JsonException)
            {
                return (null, ApiError.BadRequest("body", $"The body must be JSON: {example}."));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static JsonHttpResult<ApiError> TooLarge()
    {
        var message = $"The body is larger than {MaxBodyBytes / 1024} KB.";
        return TypedResults.Json(new ApiError("body_too_large", message, new Dictionary<string, string> { ["body"] = message }),
            statusCode: StatusCodes.Status413PayloadTooLarge);
    }
}
