using System.Numerics;
using System.Text;

namespace QrLoginPortal.QrLogin;

/// <summary>
/// The modules of a QR code (Model 2, ISO/IEC 18004) at error correction level M, the level the portal
/// has always drawn. Written for speed (issue 16): the text is split into numeric, alphanumeric and byte
/// segments by the standard's mode-switching rules (Annex J.2; ISO-8859-1 bytes, or one UTF-8 byte segment
/// when a character is outside it), the smallest version that holds them, Reed-Solomon from log tables,
/// and the mask chosen by the standard's four penalty rules, scored on 64-bit rows and columns for codes
/// up to 64 modules wide.
/// It makes the same choices as QRCoder, so the codes drawn before and after are module for module the
/// same (the tests compare them).
/// </summary>
public sealed class QrMatrix
{
    private const string Alphanumerics = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

    // Level M, by version (index 0 unused): error correction codewords per block and number of blocks.
    private static readonly byte[] EccPerBlock =
    [
        0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
        26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
    ];

    private static readonly byte[] Blocks =
    [
        0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
        17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
    ];

    // GF(256) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1; Exp is doubled so a sum of two logs needs no modulo.
    private static readonly byte[] Exp = new byte[512];
    private static readonly byte[] Log = new byte[256];

    // The generator polynomial for each number of error correction codewords in use (10 to 30), highest term first, as logs.
    private static readonly byte[]?[] Generators = new byte[31][];

    // Mask patterns as bits, for coordinates below 64: MaskRows[m * 64 + y] has bit x set where mask m flips (x, y); MaskColumns is the transpose.
    private static readonly ulong[] MaskRows = new ulong[8 * 64];
    private static readonly ulong[] MaskColumns = new ulong[8 * 64];

    private readonly byte[] _modules;

    static QrMatrix()
    {
        var x = 1;
        for (var i = 0; i < 255; i++)
        {
            Exp[i] = Exp[i + 255] = (byte)x;
            Log[x] = (byte)i;
            x <<= 1;
            if (x >= 256)
            {
                x ^= 0x11D;
            }
        }

        for (var m = 0; m < 8; m++)
        {
            for (var a = 0; a < 64; a++)
            {
                for (var b = 0; b < 64; b++)
                {
                    if (Masks(m, b, a))
                    {
                        MaskRows[m * 64 + a] |= 1UL << b;
                    }

                    if (Masks(m, a, b))
                    {
                        MaskColumns[m * 64 + a] |= 1UL << b;
                    }
                }
            }
        }

        for (var degree = 1; degree < Generators.Length; degree++)
        {
            if (Array.IndexOf(EccPerBlock, (byte)degree) > 0)
            {
                Generators[degree] = Generator(degree);
            }
        }
    }

    private QrMatrix(int version, int mask, byte[] modules)
    {
        Version = version;
        Mask = mask;
        Size = version * 4 + 17;
        _modules = modules;
    }

    /// <summary>1 to 40.</summary>
    public int Version { get; }

    /// <summary>Modules per side, without the quiet zone.</summary>
    public int Size { get; }

    /// <summary>The mask pattern chosen (0 to 7).</summary>
    public int Mask { get; }

    /// <summary>Whether the module in column <paramref name="x"/>, row <paramref name="y"/> is dark.</summary>
    public bool IsDark(int x, int y) => _modules[y * Size + x] != 0;

    /// <summary>Row <paramref name="y"/>, one byte per module: 1 dark, 0 light.</summary>
    public ReadOnlySpan<byte> Row(int y) => _modules.AsSpan(y * Size, Size);

    /// <summary>The code for <paramref name="text"/> at error correction level M.</summary>
    /// <exception cref="ArgumentException">The text does not fit in a QR code (version 40).</exception>
    public static QrMatrix Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var data = Codewords(text, out var version);
        var withEcc = AddErrorCorrection(data, version);
        return Place(withEcc, version);
    }

    // ---- data codewords ----

    private enum Mode { Numeric = 1, Alphanumeric = 2, Byte = 4 }

    /// <summary>
    /// The data codewords of the smallest version that holds the text. Text in ISO-8859-1 is split into numeric,
    /// alphanumeric and byte segments by the mode-switching rules of ISO/IEC 18004 Annex J.2 (as QRCoder applies
    /// them, so its codes and ours agree); other text is one byte segment of UTF-8.
    /// </summary>
    private static byte[] Codewords(string text, out int version)
    {
        if (!IsLatin1(text))
        {
            var utf8 = Encoding.UTF8.GetBytes(text);
            version = 0;
            for (var range = 0; version == 0 && range < 3; range++)
            {
                version = SmallestVersionIn(range, 4 + CountBits(Mode.Byte, FirstOfRange(range)) + utf8.Length * 8);
            }

            ThrowIfTooLong(version);
            var writer = new BitWriter(new byte[DataCodewords(version)]);
            writer.Write((int)Mode.Byte, 4);
            writer.Write(utf8.Length, CountBits(Mode.Byte, version));
            foreach (var b in utf8)
            {
                writer.Write(b, 8);
            }

            return Pad(writer);
        }

        // How many digits, and how many alphanumeric characters, follow from each position (the rules look ahead).
        var n = text.Length;
        var runs = n <= 512 ? stackalloc short[2 * n] : new short[2 * n];
        Span<short> digits = runs[..n], alphanumerics = runs[n..];
        for (var i = n - 1; i >= 0; i--)
        {
            var c = text[i];
            digits[i] = (short)(IsDigit(c) ? (i + 1 < n ? digits[i + 1] : 0) + 1 : 0);
            alphanumerics[i] = (short)(IsAlphanumeric(c) ? (i + 1 < n ? alphanumerics[i + 1] : 0) + 1 : 0);
        }

        var segmenter = new Segmenter(text, digits, alphanumerics);
        version = 0;
        for (var range = 0; version == 0 && range < 3; range++)
        {
            version = SmallestVersionIn(range, segmenter.Bits(FirstOfRange(range)));
        }

        ThrowIfTooLong(version);
        var data = new BitWriter(new byte[DataCodewords(version)]);
        segmenter.Write(ref data, version);
        return Pad(data);
    }

    /// <summary>The terminator (up to four zero bits, already zero), zero bits to a whole byte, then 0xEC and 0x11 in turn.</summary>
    private static byte[] Pad(BitWriter writer)
    {
        var capacity = writer.Buffer.Length;
        var full = (writer.Bits + 4 + 7) / 8;
        for (var k = full; k < capacity; k++)
        {
            writer.Buffer[k] = (k - full) % 2 == 0 ? (byte)0xEC : (byte)0x11;
        }

        return writer.Buffer;
    }

    /// <summary>
    /// The smallest version of a range (0: 1–9, 1: 10–26, 2: 27–40) whose data codewords hold the bits, or 0. Within a
    /// range the count field widths and the mode-switching thresholds stay the same, so the bits are counted once per range.
    /// </summary>
    private static int SmallestVersionIn(int range, int bits)
    {
        for (var v = FirstOfRange(range); v <= (range == 0 ? 9 : range == 1 ? 26 : 40); v++)
        {
            if (bits <= DataCodewords(v) * 8)
            {
                return v;
            }
        }

        return 0;
    }

    private static void ThrowIfTooLong(int version)
    {
        if (version == 0)
        {
            throw new ArgumentException("The text is too long for a QR code.", "text");
        }
    }

    private static int FirstOfRange(int range) => range == 0 ? 1 : range == 1 ? 10 : 27;

    private static int Range(int version) => version <= 9 ? 0 : version <= 26 ? 1 : 2;

    private static bool IsDigit(char c) => c is >= '0' and <= '9';

    private static bool IsAlphanumeric(char c) => c < 128 && Alphanumerics.Contains(c);

    private static bool IsLatin1(string text)
    {
        foreach (var c in text)
        {
            if (c > 0xFF)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The Annex J.2 segmentation of one ISO-8859-1 text, walked once to count bits and once to write them.</summary>
    private readonly ref struct Segmenter(string text, ReadOnlySpan<short> digits, ReadOnlySpan<short> alphanumerics)
    {
        private readonly string _text = text;
        private readonly ReadOnlySpan<short> _digits = digits;
        private readonly ReadOnlySpan<short> _alphanumerics = alphanumerics;

        public int Bits(int version)
        {
            var bits = 0;
            var mode = _text.Length > 0 ? FirstMode(0, version) : Mode.Byte;
            for (int start = 0, end; start < _text.Length; start = end)
            {
                end = SegmentEnd(mode, start, version, out var next);
                var length = end - start;
                bits += 4 + CountBits(mode, version) + mode switch
                {
                    Mode.Numeric => length / 3 * 10 + (length % 3 == 2 ? 7 : length % 3 == 1 ? 4 : 0),
                    Mode.Alphanumeric => length / 2 * 11 + length % 2 * 6,
                    _ => length * 8,
                };
                mode = next;
            }

            return bits;
        }

        public void Write(ref BitWriter writer, int version)
        {
            var mode = _text.Length > 0 ? FirstMode(0, version) : Mode.Byte;
            for (int start = 0, end; start < _text.Length; start = end)
            {
                end = SegmentEnd(mode, start, version, out var next);
                var length = end - start;
                writer.Write((int)mode, 4);
                writer.Write(length, CountBits(mode, version));
                var i = start;
                switch (mode)
                {
                    case Mode.Numeric:
                        for (; i + 3 <= end; i += 3)
                        {
                            writer.Write((_text[i] - '0') * 100 + (_text[i + 1] - '0') * 10 + (_text[i + 2] - '0'), 10);
                        }

                        if (end - i == 2)
                        {
                            writer.Write((_text[i] - '0') * 10 + (_text[i + 1] - '0'), 7);
                        }
                        else if (end - i == 1)
                        {
                            writer.Write(_text[i] - '0', 4);
                        }

                        break;
                    case Mode.Alphanumeric:
                        for (; i + 2 <= end; i += 2)
                        {
                            writer.Write(Alphanumerics.IndexOf(_text[i]) * 45 + Alphanumerics.IndexOf(_text[i + 1]), 11);
                        }

                        if (i < end)
                        {
                            writer.Write(Alphanumerics.IndexOf(_text[i]), 6);
                        }

                        break;
                    default:
                        for (; i < end; i++)
                        {
                            writer.Write(_text[i], 8);
                        }

                        break;
                }

                mode = next;
            }
        }

        /// <summary>Annex J.2 (a): the mode to start in at <paramref name="at"/>.</summary>
        private Mode FirstMode(int at, int version)
        {
            var c = _text[at];
            if (!IsAlphanumeric(c))
            {
                return Mode.Byte;
            }

            var range = Range(version);
            if (IsDigit(c))
            {
                int run = _digits[at], after = at + run;
                var byteFollows = after < _text.Length && !IsAlphanumeric(_text[after]);
                if (run < (range == 2 ? 5 : 4) && byteFollows)
                {
                    return Mode.Byte;
                }

                return run < 7 + range && after < _text.Length && !byteFollows ? Mode.Alphanumeric : Mode.Numeric;
            }

            int letters = _alphanumerics[at], next = at + letters;
            return letters < 6 + range && next < _text.Length && !IsAlphanumeric(_text[next]) ? Mode.Byte : Mode.Alphanumeric;
        }

        /// <summary>Annex J.2 (b) to (d): where a segment in <paramref name="mode"/> from <paramref name="start"/> ends, and the mode after it.</summary>
        private int SegmentEnd(Mode mode, int start, int version, out Mode next)
        {
            var range = Range(version);
            var at = start;
            switch (mode)
            {
                case Mode.Byte:
                    for (; at < _text.Length; at++)
                    {
                        if (_digits[at] >= (range == 0 ? 6 : range == 1 ? 8 : 9))
                        {
                            next = Mode.Numeric;
                            return at;
                        }

                        if (_alphanumerics[at] >= (range == 0 ? 11 : range == 1 ? 15 : 16))
                        {
                            next = Mode.Alphanumeric;
                            return at;
                        }
                    }

                    break;
                case Mode.Alphanumeric:
                    for (; at < _text.Length; at++)
                    {
                        if (!IsAlphanumeric(_text[at]))
                        {
                            next = Mode.Byte;
                            return at;
                        }

                        if (_digits[at] >= 13 + 2 * range)
                        {
                            next = Mode.Numeric;
                            return at;
                        }
                    }

                    break;
                default:
                    for (; at < _text.Length; at++)
                    {
                        if (!IsDigit(_text[at]))
                        {
                            next = FirstMode(at, version);
                            return at;
                        }
                    }

                    break;
            }

            next = mode;
            return at;
        }
    }

    private static int CountBits(Mode mode, int version)
    {
        var range = version <= 9 ? 0 : version <= 26 ? 1 : 2;
        return mode switch
        {
            Mode.Numeric => 10 + 2 * range,
            Mode.Alphanumeric => 9 + 2 * range,
            _ => range == 0 ? 8 : 16,
        };
    }

    /// <summary>Modules left for codewords once the function patterns and format/version areas are drawn.</summary>
    private static int RawModules(int version)
    {
        var result = (16 * version + 128) * version + 64;
        if (version >= 2)
        {
            var alignments = version / 7 + 2;
            result -= (25 * alignments - 10) * alignments - 55;
            if (version >= 7)
            {
                result -= 36;
            }
        }

        return result;
    }

    private static int DataCodewords(int version) => RawModules(version) / 8 - EccPerBlock[version] * Blocks[version];

    private struct BitWriter(byte[] buffer)
    {
        public readonly byte[] Buffer = buffer;
        public int Bits;

        public void Write(int value, int length)
        {
            for (var i = length - 1; i >= 0; i--)
            {
                if (((value >> i) & 1) != 0)
                {
                    Buffer[Bits >> 3] |= (byte)(0x80 >> (Bits & 7));
                }

                Bits++;
            }
        }
    }

    // ---- error correction ----

    /// <summary>The data split into blocks, each followed by its Reed-Solomon codewords, interleaved as the symbol carries them.</summary>
    private static byte[] AddErrorCorrection(byte[] data, int version)
    {
        var blocks = Blocks[version];
        var ecc = EccPerBlock[version];
        var total = RawModules(version) / 8;
        var shortBlocks = blocks - total % blocks;
        var shortData = total / blocks - ecc;
        var generator = Generators[ecc]!;

        var result = new byte[total];
        Span<byte> remainder = stackalloc byte[ecc];
        var offset = 0;
        for (var b = 0; b < blocks; b++)
        {
            var length = shortData + (b < shortBlocks ? 0 : 1);
            var block = data.AsSpan(offset, length);
            offset += length;

            // Data codewords, interleaved: codeword i of every block, then codeword i + 1; the short blocks skip the last one.
            for (var i = 0; i < length; i++)
            {
                var at = i < shortData ? i * blocks + b : shortData * blocks + (b - shortBlocks);
                result[at] = block[i];
            }

            Divide(block, generator, remainder);
            var eccStart = total - ecc * blocks;
            for (var i = 0; i < ecc; i++)
            {
                result[eccStart + i * blocks + b] = remainder[i];
            }
        }

        return result;
    }

    /// <summary>The remainder of data·x^n divided by the generator: the block's error correction codewords.</summary>
    private static void Divide(ReadOnlySpan<byte> data, byte[] generatorLogs, Span<byte> remainder)
    {
        remainder.Clear();
        var n = remainder.Length;
        foreach (var d in data)
        {
            var factor = d ^ remainder[0];
            remainder[1..].CopyTo(remainder);
            remainder[n - 1] = 0;
            if (factor != 0)
            {
                var logFactor = Log[factor];
                for (var i = 0; i < n; i++)
                {
                    remainder[i] ^= Exp[generatorLogs[i] + logFactor];
                }
            }
        }
    }

    /// <summary>(x − α^0)(x − α^1)…(x − α^(degree−1)) without its leading 1, as logs of the coefficients (none is zero).</summary>
    private static byte[] Generator(int degree)
    {
        var coefficients = new byte[degree];
        coefficients[degree - 1] = 1;
        var root = 1;
        for (var i = 0; i < degree; i++)
        {
            for (var j = 0; j < degree; j++)
            {
                coefficients[j] = Multiply(coefficients[j], root);
                if (j + 1 < degree)
                {
                    coefficients[j] ^= coefficients[j + 1];
                }
            }

            root = Multiply(root, 2);
        }

        var logs = new byte[degree];
        for (var i = 0; i < degree; i++)
        {
            logs[i] = Log[coefficients[i]];
        }

        return logs;
    }

    private static byte Multiply(int a, int b) => a == 0 || b == 0 ? (byte)0 : Exp[Log[a] + Log[b]];

    // ---- placement ----

    private static QrMatrix Place(byte[] codewords, int version)
    {
        var size = version * 4 + 17;
        var modules = new byte[size * size];
        var function = new byte[size * size];

        void Set(int x, int y, bool dark)
        {
            modules[y * size + x] = dark ? (byte)1 : (byte)0;
            function[y * size + x] = 1;
        }

        for (var i = 0; i < size; i++)
        {
            Set(6, i, i % 2 == 0);
            Set(i, 6, i % 2 == 0);
        }

        // Finder patterns with their light separators.
        foreach (var (cx, cy) in new[] { (3, 3), (size - 4, 3), (3, size - 4) })
        {
            for (var dy = -4; dy <= 4; dy++)
            {
                for (var dx = -4; dx <= 4; dx++)
                {
                    int x = cx + dx, y = cy + dy;
                    if (x >= 0 && x < size && y >= 0 && y < size)
                    {
                        var distance = Math.Max(Math.Abs(dx), Math.Abs(dy));
                        Set(x, y, distance != 2 && distance != 4);
                    }
                }
            }
        }

        // Alignment patterns on the grid of centres, except where a finder is.
        if (version >= 2)
        {
            var count = version / 7 + 2;
            var step = version == 32 ? 26 : (version * 4 + count * 2 + 1) / (count * 2 - 2) * 2;
            Span<int> centres = stackalloc int[count];
            centres[0] = 6;
            for (int i = count - 1, at = size - 7; i >= 1; i--, at -= step)
            {
                centres[i] = at;
            }

            for (var i = 0; i < count; i++)
            {
                for (var j = 0; j < count; j++)
                {
                    if ((i == 0 && j == 0) || (i == 0 && j == count - 1) || (i == count - 1 && j == 0))
                    {
                        continue;
                    }

                    for (var dy = -2; dy <= 2; dy++)
                    {
                        for (var dx = -2; dx <= 2; dx++)
                        {
                            Set(centres[i] + dx, centres[j] + dy, Math.Max(Math.Abs(dx), Math.Abs(dy)) != 1);
                        }
                    }
                }
            }
        }

        // Format areas (written per mask below), the dark module, and the version areas.
        foreach (var (x, y) in FormatPositions(size))
        {
            Set(x, y, false);
        }

        Set(8, size - 8, true);
        if (version >= 7)
        {
            var remainder = version;
            for (var i = 0; i < 12; i++)
            {
                remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25);
            }

            var bits = version << 12 | remainder;
            for (var i = 0; i < 18; i++)
            {
                var dark = ((bits >> i) & 1) != 0;
                Set(size - 11 + i % 3, i / 3, dark);
                Set(i / 3, size - 11 + i % 3, dark);
            }
        }

        // Codewords in two-column strips from the right, up then down, skipping the timing column.
        var bit = 0;
        var totalBits = codewords.Length * 8;
        for (var right = size - 1; right >= 1; right -= 2)
        {
            if (right == 6)
            {
                right = 5;
            }

            var upward = ((right + 1) & 2) == 0;
            for (var v = 0; v < size; v++)
            {
                var y = upward ? size - 1 - v : v;
                for (var j = 0; j < 2; j++)
                {
                    var at = y * size + right - j;
                    if (function[at] == 0 && bit < totalBits)
                    {
                        modules[at] = (byte)((codewords[bit >> 3] >> (7 - (bit & 7))) & 1);
                        bit++;
                    }
                }
            }
        }

        int mask;
        if (size <= 64)
        {
            // The rows the winning mask was scored on are the final modules, format bits included.
            mask = BestMaskNarrow(modules, function, size);
        }
        else
        {
            mask = BestMaskWide(modules, function, size);
            ApplyMask(modules, function, size, mask);
            WriteFormat(modules, size, mask);
        }

        return new QrMatrix(version, mask, modules);
    }

    /// <summary>Where the 15 format bits go, bit 0 first: the copy around the top-left finder, then the split copy.</summary>
    private static (int X, int Y)[] FormatPositions(int size)
    {
        var positions = new (int, int)[30];
        for (var i = 0; i < 15; i++)
        {
            positions[i] = i < 6 ? (8, i) : i == 6 ? (8, 7) : i == 7 ? (8, 8) : i == 8 ? (7, 8) : (14 - i, 8);
            positions[15 + i] = i < 8 ? (size - 1 - i, 8) : (8, size - 15 + i);
        }

        return positions;
    }

    /// <summary>Level M (00) and the mask, with its BCH(15,5) check bits and the fixed XOR pattern.</summary>
    private static int FormatBits(int mask)
    {
        var remainder = mask;
        for (var i = 0; i < 10; i++)
        {
            remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537);
        }

        return (mask << 10 | remainder) ^ 0x5412;
    }

    private static void WriteFormat(byte[] modules, int size, int mask)
    {
        var bits = FormatBits(mask);
        var positions = FormatPositions(size);
        for (var i = 0; i < 30; i++)
        {
            var (x, y) = positions[i];
            modules[y * size + x] = (byte)((bits >> (i % 15)) & 1);
        }
    }

    private static bool Masks(int mask, int x, int y) => mask switch
    {
        0 => (x + y) % 2 == 0,
        1 => y % 2 == 0,
        2 => x % 3 == 0,
        3 => (x + y) % 3 == 0,
        4 => (x / 3 + y / 2) % 2 == 0,
        5 => x * y % 2 + x * y % 3 == 0,
        6 => (x * y % 2 + x * y % 3) % 2 == 0,
        _ => ((x + y) % 2 + x * y % 3) % 2 == 0,
    };

    private static void ApplyMask(byte[] modules, byte[] function, int size, int mask)
    {
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                if (function[y * size + x] == 0 && Masks(mask, x, y))
                {
                    modules[y * size + x] ^= 1;
                }
            }
        }
    }

    // ---- mask choice: the lowest penalty wins, the first of equals ----

    /// <summary>
    /// Codes up to 64 modules wide (versions 1 to 11): every row and column is one ulong, bit x of row y is module (x, y).
    /// Leaves the modules masked by the winner, with its format bits.
    /// </summary>
    private static int BestMaskNarrow(byte[] modules, byte[] function, int size)
    {
        Span<ulong> rows = stackalloc ulong[size];
        Span<ulong> columns = stackalloc ulong[size];
        Span<ulong> dataRows = stackalloc ulong[size];
        Span<ulong> dataColumns = stackalloc ulong[size];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                // Without branches: the modules are random, so branches on them would be mispredicted half the time.
                var at = y * size + x;
                ulong dark = modules[at], data = (uint)function[at] ^ 1;
                rows[y] |= dark << x;
                columns[x] |= dark << y;
                dataRows[y] |= data << x;
                dataColumns[x] |= data << y;
            }
        }

        var positions = FormatPositions(size);
        Span<ulong> maskedRows = stackalloc ulong[size];
        Span<ulong> maskedColumns = stackalloc ulong[size];
        Span<ulong> bestRows = stackalloc ulong[size];
        var best = 0;
        var bestScore = int.MaxValue;
        for (var m = 0; m < 8; m++)
        {
            for (var i = 0; i < size; i++)
            {
                maskedRows[i] = rows[i] ^ (MaskRows[m * 64 + i] & dataRows[i]);
                maskedColumns[i] = columns[i] ^ (MaskColumns[m * 64 + i] & dataColumns[i]);
            }

            // The format bits are light in the unmasked modules; set the dark ones of this mask.
            var format = FormatBits(m);
            for (var i = 0; i < 30; i++)
            {
                if (((format >> (i % 15)) & 1) != 0)
                {
                    var (x, y) = positions[i];
                    maskedRows[y] |= 1UL << x;
                    maskedColumns[x] |= 1UL << y;
                }
            }

            var score = Penalty(maskedRows, maskedColumns, size);
            if (score < bestScore)
            {
                bestScore = score;
                best = m;
                maskedRows.CopyTo(bestRows);
            }
        }

        for (var y = 0; y < size; y++)
        {
            var row = bestRows[y];
            var line = modules.AsSpan(y * size, size);
            for (var x = 0; x < line.Length; x++)
            {
                line[x] = (byte)((row >> x) & 1);
            }
        }

        return best;
    }

    private static int Penalty(ReadOnlySpan<ulong> rows, ReadOnlySpan<ulong> columns, int size)
    {
        var full = size == 64 ? ulong.MaxValue : (1UL << size) - 1;
        var pairs = full >> 1; // bit i compares modules i and i + 1
        var score = 0;
        var dark = 0;
        for (var i = 0; i < size; i++)
        {
            score += Lines(rows[i], full, pairs) + Lines(columns[i], full, pairs);
            dark += BitOperations.PopCount(rows[i]);
            if (i + 1 < size)
            {
                // Rule 2: 2×2 blocks of one colour, 3 each.
                ulong a = rows[i], b = rows[i + 1];
                var blocks = ~(a ^ (a >> 1)) & ~(b ^ (b >> 1)) & ~(a ^ b) & pairs;
                score += 3 * BitOperations.PopCount(blocks);
            }
        }

        return score + Balance(dark, size);
    }

    /// <summary>Rules 1 and 3 for one row or column.</summary>
    private static int Lines(ulong line, ulong full, ulong pairs)
    {
        // Rule 1: a run of n ≥ 5 modules of one colour costs n − 2. Bit i of five is set where modules i to i + 4 are
        // one colour: a run of n sets n − 4 of them, and the run's first one is where the previous bit is clear.
        var same = ~(line ^ (line >> 1)) & pairs;
        var five = same & (same >> 1) & (same >> 2) & (same >> 3);
        var score = BitOperations.PopCount(five) + 2 * BitOperations.PopCount(five & ~(five << 1));

        // Rule 3: dark-light-dark-dark-dark-light-dark with four light modules after it or before it, 40 each
        // (counted inside the symbol, as QRCoder does).
        var light = ~line & full;
        var core = line & (light >> 1) & (line >> 2) & (line >> 3) & (line >> 4) & (light >> 5) & (line >> 6);
        var fourLight = light & (light >> 1) & (light >> 2) & (light >> 3);
        var finders = (core & (fourLight >> 7)) | (fourLight & (core >> 4));
        return score + 40 * BitOperations.PopCount(finders);
    }

    /// <summary>Rule 4: 10 for every full 5 % the dark share is away from 45–55 %.</summary>
    private static int Balance(int dark, int size)
    {
        var fifths = dark * 20 / (size * size);
        return Math.Min(Math.Abs(fifths - 10), Math.Abs(fifths - 9)) * 10;
    }

    /// <summary>Wider codes (versions 12 to 40): the same rules module by module.</summary>
    private static int BestMaskWide(byte[] modules, byte[] function, int size)
    {
        var trial = new byte[modules.Length];
        var positions = FormatPositions(size);
        var best = 0;
        var bestScore = int.MaxValue;
        for (var m = 0; m < 8; m++)
        {
            modules.CopyTo(trial, 0);
            ApplyMask(trial, function, size, m);
            var format = FormatBits(m);
            for (var i = 0; i < 30; i++)
            {
                var (x, y) = positions[i];
                trial[y * size + x] = (byte)((format >> (i % 15)) & 1);
            }

            var score = PenaltyWide(trial, size);
            if (score < bestScore)
            {
                bestScore = score;
                best = m;
            }
        }

        return best;
    }

    private static int PenaltyWide(byte[] m, int size)
    {
        var score = 0;
        var dark = 0;
        for (var a = 0; a < size; a++)
        {
            int rowRun = 0, columnRun = 0, rowWindow = 0, columnWindow = 0;
            for (var b = 0; b < size; b++)
            {
                int row = m[a * size + b], column = m[b * size + a];
                dark += row;
                rowRun = b > 0 && row == m[a * size + b - 1] ? rowRun + 1 : 1;
                columnRun = b > 0 && column == m[(b - 1) * size + a] ? columnRun + 1 : 1;
                score += (rowRun == 5 ? 3 : rowRun > 5 ? 1 : 0) + (columnRun == 5 ? 3 : columnRun > 5 ? 1 : 0);

                // The last eleven modules, the oldest in bit 10.
                rowWindow = ((rowWindow << 1) | row) & 0x7FF;
                columnWindow = ((columnWindow << 1) | column) & 0x7FF;
                if (b >= 10)
                {
                    score += (rowWindow is 0b10111010000 or 0b00001011101 ? 40 : 0) + (columnWindow is 0b10111010000 or 0b00001011101 ? 40 : 0);
                }

                if (a + 1 < size && b + 1 < size)
                {
                    var at = a * size + b;
                    if (m[at] == m[at + 1] && m[at] == m[at + size] && m[at] == m[at + size + 1])
                    {
                        score += 3;
                    }
                }
            }
        }

        return score + Balance(dark, size);
    }
}
