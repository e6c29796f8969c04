using System.Buffers.Binary;
using System.IO.Compression;
using ZXing;
using ZXing.Common;

namespace QrLoginPortal.Tests.Infrastructure;

/// <summary>
/// Reads a QR code the way a phone does: from the PNG the portal rendered (its own small PNG reader,
/// then ZXing's decoder), so a test learns the code's content only from the picture.
/// </summary>
public static class QrImage
{
    public static string Decode(byte[] png)
    {
        var (width, height, gray) = ReadGrayscale(png);
        var source = new RGBLuminanceSource(gray, width, height, RGBLuminanceSource.BitmapFormat.Gray8);
        // The image holds nothing but the code, so read it as a pure barcode first (the general
        // detector now and then misses a finder pattern in a perfect synthetic image).
        var result = new BarcodeReaderGeneric { Options = new DecodingOptions { PossibleFormats = [BarcodeFormat.QR_CODE], PureBarcode = true } }
                         .Decode(source)
                     ?? new BarcodeReaderGeneric { Options = new DecodingOptions { PossibleFormats = [BarcodeFormat.QR_CODE], TryHarder = true } }
                         .Decode(source);
        Assert.True(result is not null, "No QR code could be read from the image.");
        return result.Text;
    }

    /// <summary>The code behind the approval URL a QR image carries (…/qr/{lsi}).</summary>
    public static string LsiOf(byte[] png)
    {
        var url = Decode(png);
        var marker = url.LastIndexOf("/qr/", StringComparison.Ordinal);
        Assert.True(marker >= 0, $"The QR code does not lead to an approval page: {url}");
        return Uri.UnescapeDataString(url[(marker + 4)..]);
    }

    /// <summary>8-bit grey pixels of a non-interlaced PNG (grey, palette or RGB(A), any bit depth up to 8).</summary>
    private static (int Width, int Height, byte[] Gray) ReadGrayscale(byte[] png)
    {
        int width = 0, height = 0, bitDepth = 0, colorType = 0;
        byte[] palette = [];
        using var idat = new MemoryStream();
        for (var offset = 8; offset < png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
            var type = System.Text.Encoding.ASCII.GetString(png, offset + 4, 4);
            var data = png.AsSpan(offset + 8, length);
            switch (type)
            {
                case "IHDR":
                    width = BinaryPrimitives.ReadInt32BigEndian(data);
                    height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                    bitDepth = data[8];
                    colorType = data[9];
                    Assert.Equal(0, data[12]); // not interlaced
                    break;
                case "PLTE":
                    palette = data.ToArray();
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
            }

            offset += 12 + length;
        }

        var channels = colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => throw new NotSupportedException($"PNG colour type {colorType}") };
        var bitsPerPixel = channels * bitDepth;
        var stride = (width * bitsPerPixel + 7) / 8;
        var bytesPerPixel = Math.Max(1, bitsPerPixel / 8);
        idat.Position = 0;
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionMode.Decompress))
        {
            zlib.CopyTo(inflated);
        }

        var raw = inflated.ToArray();
        var previous = new byte[stride];
        var gray = new byte[width * height];
        for (var y = 0; y < height; y++)
        {
            var filter = raw[y * (stride + 1)];
            var line = raw.AsSpan(y * (stride + 1) + 1, stride).ToArray();
            for (var i = 0; i < stride; i++)
            {
                var left = i >= bytesPerPixel ? line[i - bytesPerPixel] : 0;
                var up = previous[i];
                var upLeft = i >= bytesPerPixel ? previous[i - bytesPerPixel] : 0;
                line[i] = (byte)(line[i] + filter switch
                {
                    0 => 0,
                    1 => left,
                    2 => up,
                    3 => (left + up) / 2,
                    4 => Paeth(left, up, upLeft),
                    _ => throw new NotSupportedException($"PNG filter {filter}"),
                });
            }

            for (var x = 0; x < width; x++)
            {
                gray[y * width + x] = Pixel(line, x, bitDepth, colorType, palette);
            }

            previous = line;
        }

        return (width, height, gray);
    }

    private static byte Pixel(byte[] line, int x, int bitDepth, int colorType, byte[] palette)
    {
        if (bitDepth < 8)
        {
            var perByte = 8 / bitDepth;
            var shift = 8 - bitDepth * (x % perByte + 1);
            var sample = (line[x / perByte] >> shift) & ((1 << bitDepth) - 1);
            return colorType == 3
                ? Luma(palette[sample * 3], palette[sample * 3 + 1], palette[sample * 3 + 2])
                : (byte)(sample * 255 / ((1 << bitDepth) - 1));
        }

        return colorType switch
        {
            0 or 4 => line[x * (colorType == 0 ? 1 : 2)],
            3 => Luma(palette[line[x] * 3], palette[line[x] * 3 + 1], palette[line[x] * 3 + 2]),
            _ => Luma(line[x * (colorType == 2 ? 3 : 4)], line[x * (colorType == 2 ? 3 : 4) + 1], line[x * (colorType == 2 ? 3 : 4) + 2]),
        };
    }

    private static byte Luma(int r, int g, int b) => (byte)((r * 299 + g * 587 + b * 114) / 1000);

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
