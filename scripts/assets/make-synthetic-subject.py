#!/usr/bin/env python3
"""Write tests/fixtures/images/synthetic_subject.png: an unambiguous subject for cut-out tests.

An 800x600 photo-like image: a saturated orange rounded five-pointed star (with a soft highlight,
so it reads as an object, not a flat sticker) on a plain light-blue background. Tests that need a
cut-out which must succeed (crates/cutout, and any crate that composites a cut-out) use it because
its true mask is known exactly: the star is `star_radius(theta)` around (CX, CY).

Standard library only (zlib + struct), so it runs anywhere Python 3 does and its output is
byte-identical from run to run. Usage: python3 scripts/assets/make-synthetic-subject.py [OUT]
"""

import math
import os
import struct
import sys
import zlib

W, H = 800, 600
CX, CY = 400.0, 300.0
# Mean radius, lobe depth and lobe count of the rounded star r(theta) = R0 + A*cos(N*theta).
R0, A, N = 190.0, 55.0, 5
BACKGROUND = (176, 214, 240)  # light blue
ORANGE = (255, 128, 16)  # saturated orange


def star_radius(theta: float) -> float:
    # -pi/2 turns the star so one point is straight up.
    return R0 + A * math.cos(N * (theta + math.pi / 2))


def pixel(x: int, y: int) -> tuple:
    dx, dy = x + 0.5 - CX, y + 0.5 - CY
    r = math.hypot(dx, dy)
    theta = math.atan2(dy, dx)
    # The radial gap over the slope of the edge approximates the distance to the edge, which is
    # what a one-pixel antialiased edge needs.
    dr_dtheta = -A * N * math.sin(N * (theta + math.pi / 2))
    rr = star_radius(theta)
    slope = math.sqrt(1.0 + (dr_dtheta / max(rr, 1.0)) ** 2)
    coverage = min(1.0, max(0.0, (rr - r) / slope + 0.5))
    # A soft highlight up and left of the centre, darker toward the rim: a lit, rounded object.
    hx, hy = dx + 60.0, dy + 60.0
    light = 0.80 + 0.25 * math.exp(-(hx * hx + hy * hy) / (2 * 110.0**2)) - 0.10 * min(1.0, r / rr)
    fg = tuple(min(255.0, c * light) for c in ORANGE)
    return tuple(int(round(b + (f - b) * coverage)) for f, b in zip(fg, BACKGROUND))


def png_bytes(rows) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(v for px in row for v in px) for row in rows)
    ihdr = struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def main() -> None:
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "tests", "fixtures", "images", "synthetic_subject.png")
    rows = [[pixel(x, y) for x in range(W)] for y in range(H)]
    with open(out, "wb") as f:
        f.write(png_bytes(rows))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
