using QRCoder;

namespace QrLoginPortal.QrLogin;

/// <summary>Renders a QR code as PNG bytes on the server (no script, no third party sees the code).</summary>
public static class QrCodeRenderer
{
    /// <summary>
    /// One pixel per module for codes shown on screen: the page scales the image to its size with
    /// <c>image-rendering: pixelated</c>, so the modules stay sharp, and encoding a 41-pixel image
    /// instead of a 328-pixel one takes about a third of the time (issue 16; see README, Benchmarks).
    /// </summary>
    public const int OnScreenPixelsPerModule = 1;

    /// <param name="content">The text to encode, e.g. the approval URL.</param>
    /// <param name="pixelsPerModule">Size of one QR module in pixels.</param>
    public static byte[] RenderPng(string content, int pixelsPerModule = 8)
    {
        using var data = QRCodeGenerator.GenerateQrCode(content, QRCodeGenerator.ECCLevel.M);
        return new PngByteQRCode(data).GetGraphic(pixelsPerModule);
    }

    public static string RenderPngDataUri(string content, int pixelsPerModule = 8) =>
        "data:image/png;base64," + Convert.ToBase64String(RenderPng(content, pixelsPerModule));
}
