namespace QrLoginPortal.SignIn;

/// <summary>A posted form read by hand, for endpoints where a malformed or empty post is a failed sign-in, never a 400 or a 500.</summary>
public static class Forms
{
    /// <summary>The request's form; null when the body is not a form; <see cref="FormRead.Malformed"/> when it could not be read.</summary>
    public static async Task<FormRead> ReadAsync(HttpContext context)
    {
        try
        {
            return new(context.Request.HasFormContentType ? await context.Request.ReadFormAsync(context.RequestAborted) : null, false);
        }
        catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException or IOException)
        {
            return new(null, true);
        }
    }
}

/// <summary>A form as <see cref="Forms.ReadAsync"/> found it: a field is null when absent or when there is no form.</summary>
public readonly record struct FormRead(IFormCollection? Form, bool Malformed)
{
    public string? this[string field] => Form?[field].ToString();
}
