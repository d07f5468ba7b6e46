"""python3 scripts/favicon.py Platform.Web/wwwroot/favicon.ico: writes the web app's favicon.ico: a 16x16 32-bit icon of the favicon.svg disc (one colour, transparent hole)."""
import struct, sys
size, rgb = 16, (0x3949ab >> 16, (0x3949ab >> 8) & 255, 0x3949ab & 255)   # the theme's primary colour
inside = lambda x, y, r: (x + .5 - 8) ** 2 + (y + .5 - 8) ** 2 <= r * r
rows = []
for y in reversed(range(size)):                      # BMP rows go bottom-up
    rows.append(b"".join(bytes([rgb[2], rgb[1], rgb[0], 255]) if inside(x, y, 7) and not inside(x, y, 2) else b"\0\0\0\0" for x in range(size)))
pixels = b"".join(rows)
mask = b"\0" * (4 * size)                             # AND mask: 16 rows of 32 bits, all 0 (alpha decides)
bmp = struct.pack("<IiiHHIIiiII", 40, size, 2 * size, 1, 32, 0, len(pixels) + len(mask), 0, 0, 0, 0) + pixels + mask
ico = struct.pack("<HHH", 0, 1, 1) + struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(bmp), 6 + 16) + bmp
open(sys.argv[1], "wb").write(ico)
