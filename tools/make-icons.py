#!/usr/bin/env python3
"""Draws the phone app's icons (the installed scanner): a QR-like glyph, white on the portal's primary colour.

No image library needed: plain PNG from zlib. Regenerate from the repo root: python3 tools/make-icons.py (writes QrLoginPortal/wwwroot/icons)
The glyph stays inside the central 60 %, so the same picture works as a maskable icon (safe zone 80 %).
"""
import struct
import zlib

PRIMARY = (0x3F, 0x51, 0xB5)
WHITE = (0xFF, 0xFF, 0xFF)

# 9x9 module glyph: three finder patterns and a few data modules.
GLYPH = [
    "111101111",
    "101000101",
    "111101111",
    "000010000",
    "110101011",
    "000010100",
    "111100110",
    "101001011",
    "111101101",
]


def pixels(size):
    glyph_size = size * 0.6
    module = glyph_size / len(GLYPH)
    origin = (size - glyph_size) / 2
    rows = []
    for y in range(size):
        row = bytearray([0])  # filter: none
        gy = int((y - origin) // module) if y >= origin else -1
        for x in range(size):
            gx = int((x - origin) // module) if x >= origin else -1
            on = 0 <= gy < len(GLYPH) and 0 <= gx < len(GLYPH) and GLYPH[gy][gx] == "1"
            row.extend(WHITE if on else PRIMARY)
        rows.append(bytes(row))
    return b"".join(rows)


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def png(size):
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(pixels(size), 9)) + chunk(b"IEND", b""))


for size in (48, 72, 96, 144, 180, 192, 256, 384, 512):
    with open(f"QrLoginPortal/wwwroot/icons/icon-{size}.png", "wb") as f:
        f.write(png(size))
