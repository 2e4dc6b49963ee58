#!/usr/bin/env python3
"""The service's icons: `python3 .ci/make-icons.py` rewrites them in static/ (not part of CI).

One drawing — the letters "MS" in white strokes on the brand green of static/app.css
(`--brand`) — written as the SVG favicon and rasterised, with the standard library alone, into
the PNG icons of the web app manifest (192 and 512 px, a maskable 512 px whose letters stay
inside the safe circle, the 180 px Apple touch icon) and favicon.ico (16 and 32 px PNGs).

The raster is drawn from signed distances (one evaluation per pixel, anti-aliased over one
pixel), so the PNGs match the SVG's round caps and joins. Commit the files it writes; the
server hashes their content into their URLs (src/web/assets.rs).
"""

import math
import re
import struct
import zlib
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "static"

# The drawing, in a 100 × 100 box: strokes are polylines with round caps and joins.
STROKE = 9.0


def letter_m():
    return [(20.0, 68.0), (20.0, 33.0), (34.0, 53.0), (48.0, 33.0), (48.0, 68.0)]


def arc(cx, cy, r, start_deg, end_deg, steps=24):
    """Points on a circle (y down, angles clockwise from the +x axis)."""
    out = []
    for i in range(steps + 1):
        a = math.radians(start_deg + (end_deg - start_deg) * i / steps)
        out.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return out


def letter_s():
    # Upper bowl from the upper right round the top to the left and down to the middle, then
    # the lower bowl from the middle round the right to the bottom and the lower left.
    top = arc(70.0, 41.75, 8.75, -30.0, -270.0)
    bottom = arc(70.0, 59.25, 8.75, -90.0, 150.0)
    return top + bottom[1:]


STROKES = [letter_m(), letter_s()]


def brand_colour():
    css = (STATIC / "app.css").read_text(encoding="utf-8")
    found = re.search(r"--brand:\s*(#[0-9a-fA-F]{6})", css)
    if not found:
        raise SystemExit("static/app.css has no --brand colour")
    return found.group(1).lower()


def svg(colour):
    paths = "".join(
        '<path d="M{}"/>'.format(" L".join(f"{x:.2f} {y:.2f}" for x, y in s)) for s in STROKES
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
        "<title>Merajut Sehat</title>"
        f'<rect width="100" height="100" rx="22" fill="{colour}"/>'
        f'<g fill="none" stroke="#fff" stroke-width="{STROKE:g}" stroke-linecap="round" '
        f'stroke-linejoin="round">{paths}</g></svg>\n'
    )


def segment_distance(px, py, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    t = ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)
    t = 0.0 if t < 0.0 else 1.0 if t > 1.0 else t
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def rounded_rect_distance(px, py, radius):
    # Signed distance to the square 0..100 with rounded corners (negative inside).
    qx = abs(px - 50.0) - (50.0 - radius)
    qy = abs(py - 50.0) - (50.0 - radius)
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
    return outside + min(max(qx, qy), 0.0) - radius


def coverage(distance, pixel):
    # Signed distance (drawing units) → share of the pixel covered, over one pixel's width.
    return min(1.0, max(0.0, 0.5 - distance / pixel))


def raster(size, colour, radius, letters_scale):
    """RGBA rows: the background square (corner `radius`, 0 for a full bleed) and the
    letters scaled about the centre by `letters_scale`."""
    bg = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    unit = 100.0 / size
    segments = [
        (s[i][0], s[i][1], s[i + 1][0], s[i + 1][1]) for s in STROKES for i in range(len(s) - 1)
    ]
    half = STROKE / 2.0
    rows = []
    for j in range(size):
        row = bytearray()
        y = (j + 0.5) * unit
        for i in range(size):
            x = (i + 0.5) * unit
            back = coverage(rounded_rect_distance(x, y, radius), unit) if radius else 1.0
            # The letters' own coordinates: scaled about the centre.
            lx = 50.0 + (x - 50.0) / letters_scale
            ly = 50.0 + (y - 50.0) / letters_scale
            if 10.0 < lx < 90.0 and 20.0 < ly < 80.0:
                d = min(segment_distance(lx, ly, *s) for s in segments) - half
                ink = coverage(d * letters_scale, unit)
            else:
                ink = 0.0
            alpha = back
            if alpha <= 0.0:
                row += b"\0\0\0\0"
                continue
            r, g, b = (round(c * (1.0 - ink) + 255 * ink) for c in bg)
            row += bytes((r, g, b, round(255 * alpha)))
        rows.append(bytes(row))
    return rows


def png(rows, size):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\0" + r for r in rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def ico(images):
    """An ICO file holding PNG images: [(size, png bytes)]."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries, data = b"", b""
    for size, blob in images:
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(blob), offset)
        offset += len(blob)
        data += blob
    return header + entries + data


def main():
    colour = brand_colour()
    (STATIC / "favicon.svg").write_text(svg(colour), encoding="utf-8")
    icons = {
        "icon-192.png": (192, 22.0, 1.0),
        "icon-512.png": (512, 22.0, 1.0),
        # Maskable: a full bleed, letters within the safe circle (radius 40 % of the size).
        "icon-maskable-512.png": (512, 0.0, 0.8),
        # iOS rounds the corners itself and shows transparency as black.
        "apple-touch-icon.png": (180, 0.0, 0.9),
    }
    for name, (size, radius, scale) in icons.items():
        (STATIC / name).write_bytes(png(raster(size, colour, radius, scale), size))
    small = [(s, png(raster(s, colour, 22.0, 1.0), s)) for s in (16, 32)]
    (STATIC / "favicon.ico").write_bytes(ico(small))
    print(f"icons written to {STATIC} in {colour}")


if __name__ == "__main__":
    main()
