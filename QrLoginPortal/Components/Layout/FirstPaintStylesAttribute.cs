namespace QrLoginPortal.Components.Layout;

/// <summary>
/// Marks a page that paints with <c>FirstPaint.css</c> inlined (the few MudBlazor rules it uses, about 11 KB) and applies
/// MudBlazor's 627 KB stylesheet only after its first paint (preloaded, made a stylesheet by js/after-paint.js). The QR sign-in's form post lands in a
/// document that often gets a fresh renderer, which needs about 100 ms to parse the full sheet before it may paint
/// (issue 16: Approve → the signed-in page painted). The page must look the same with the small sheet alone:
/// FirstPaintStylesInTheBrowserTests compares the two; tools/make-first-paint-css.py regenerates it.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class FirstPaintStylesAttribute : Attribute
{
    private static readonly Lazy<string> StyleSheet = new(() =>
    {
        using var stream = typeof(FirstPaintStylesAttribute).Assembly.GetManifestResourceStream("QrLoginPortal.FirstPaint.css")
                           ?? throw new InvalidOperationException("FirstPaint.css is not embedded in the portal's assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    /// <summary>The stylesheet inlined into the marked pages' head.</summary>
    public static string Css => StyleSheet.Value;

    /// <summary>Whether the page answering <paramref name="context"/> is marked.</summary>
    public static bool AppliesTo(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<FirstPaintStylesAttribute>() is not null;
}
