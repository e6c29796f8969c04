using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;

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

    /// <summary>Light modules around the code, as the standard asks (and as QRCoder drew it).</summary>
    public const int QuietZone = 4;

    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <param name="content">The text to encode, e.g. the approval URL.</param>
    /// <param name="pixelsPerModule">Size of one QR module in pixels.</param>
    public static byte[] RenderPng(string content, int pixelsPerModule = 8) => RenderPng(QrMatrix.Encode(content), pixelsPerModule);

    public static string RenderPngDataUri(string content, int pixelsPerModule = 8) =>
        "data:image/png;base64," + Convert.ToBase64String(RenderPng(content, pixelsPerModule));

    /// <summary>
    /// A 1-bit greyscale PNG (a set bit is light) with the quiet zone, the format QRCoder's PngByteQRCode wrote,
    /// so the image the page and the API show keeps its kind and size.
    /// </summary>
    public static byte[] RenderPng(QrMatrix matrix, int pixelsPerModule)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pixelsPerModule, 1);
        var modules = matrix.Size + 2 * QuietZone;
        var width = modules * pixelsPerModule;
        var stride = (width + 7) / 8 + 1; // the filter byte (0, none), then one bit per pixel
        var length = stride * width;
        var raw = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            DrawScanlines(matrix, pixelsPerModule, stride, raw.AsSpan(0, length));
            return Png(width, raw.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
        }
    }

    private static void DrawScanlines(QrMatrix matrix, int pixelsPerModule, int stride, Span<byte> raw)
    {
        var modules = matrix.Size + 2 * QuietZone;
        for (var row = 0; row < modules; row++)
        {
            var line = raw.Slice(row * pixelsPerModule * stride, stride);
            var y = row - QuietZone;
            var code = y >= 0 && y < matrix.Size ? matrix.Row(y) : [];
            line[0] = 0; // filter: none
            int at = 1, bits = 0, pending = 0;
            for (var column = 0; column < modules; column++)
            {
                // A set bit is a light pixel: the quiet zone, and the light modules.
                var x = column - QuietZone;
                var light = (uint)x < (uint)code.Length ? code[x] ^ 1 : 1;
                for (var p = 0; p < pixelsPerModule; p++)
                {
                    bits = bits << 1 | light;
                    if (++pending == 8)
                    {
                        line[at++] = (byte)bits;
                        bits = pending = 0;
                    }
                }
            }

            if (pending > 0)
            {
                line[at] = (byte)(bits << (8 - pending)); // the last byte's unused bits stay 0
            }

            for (var copy = 1; copy < pixelsPerModule; copy++)
            {
                line.CopyTo(raw.Slice((row * pixelsPerModule + copy) * stride, stride));
            }
        }
    }

    private static byte[] Png(int width, ReadOnlySpan<byte> raw)
    {
        // A QR code's scanlines deflate to a few hundred bytes, whatever the pixels per module.
        using var compressed = new MemoryStream(512);
        using (var deflate = new DeflateStream(compressed, CompressionMode.Compress, leaveOpen: true))
        {
            deflate.Write(raw);
        }

        var deflated = compressed.GetBuffer().AsSpan(0, (int)compressed.Length);
        const int signature = 8, header = 8 + 13 + 4, chunk = 12, zlib = 2 + 4;
        var png = new byte[signature + header + chunk + zlib + deflated.Length + chunk];
        var span = png.AsSpan();
        ReadOnlySpan<byte> magic = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        magic.CopyTo(span);
        var at = signature;

        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr[4..], width);
        ihdr[8] = 1; // bit depth
        ihdr[9] = 0; // greyscale; compression, filter and interlace methods 0
        at = Chunk(span, at, "IHDR"u8, ihdr);

        // IDAT: a zlib stream (deflate, 32 KB window, default level) around the deflated scanlines.
        var idat = span.Slice(at + 8, zlib + deflated.Length);
        idat[0] = 0x78;
        idat[1] = 0x9C;
        deflated.CopyTo(idat[2..]);
        BinaryPrimitives.WriteUInt32BigEndian(idat[(2 + deflated.Length)..], Adler32(raw));
        at = Chunk(span, at, "IDAT"u8, idat);

        Chunk(span, at, "IEND"u8, []);
        return png;
    }

    /// <summary>Writes length, type, data (unless already in place) and CRC at <paramref name="at"/>; returns the end.</summary>
    private static int Chunk(Span<byte> png, int at, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        BinaryPrimitives.WriteInt32BigEndian(png[at..], data.Length);
        type.CopyTo(png[(at + 4)..]);
        var body = png.Slice(at + 8, data.Length);
        if (!data.Overlaps(body))
        {
            data.CopyTo(body);
        }

        BinaryPrimitives.WriteUInt32BigEndian(png[(at + 8 + data.Length)..], Crc32(png.Slice(at + 4, 4 + data.Length)));
        return at + 12 + data.Length;
    }

    private static uint Adler32(ReadOnlySpan<byte> data)
    {
        const uint modulus = 65521;
        uint a = 1, b = 0;
        // 5552 bytes is the most that can be summed before b could overflow.
        while (!data.IsEmpty)
        {
            var part = data[..Math.Min(5552, data.Length)];
            foreach (var d in part)
            {
                a += d;
                b += a;
            }

            a %= modulus;
            b %= modulus;
            data = data[part.Length..];
        }

        return b << 16 | a;
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        var c = 0xFFFFFFFFu;
        foreach (var d in data)
        {
            c = CrcTable[(c ^ d) & 0xFF] ^ (c >> 8);
        }

        return c ^ 0xFFFFFFFFu;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (var n = 0u; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
