#!/usr/bin/env python3
"""Builds assets/fonts/NotoSansSC-Bold-subset.otf: Noto Sans CJK SC Bold cut
down to what captions need (ASCII, Latin-1, general punctuation, CJK
punctuation, kana, full-width forms and the 6763 GB2312 hanzi), so the binary
carries a few MB instead of 20.

Needs fontTools (`pip install fonttools`) and Debian's fonts-noto-cjk
(`apt-get install fonts-noto-cjk`). Usage: python3 scripts/make-cjk-font.py
"""
import os
from fontTools.ttLib import TTCollection
from fontTools import subset

SRC = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "assets/fonts/NotoSansSC-Bold-subset.otf")


def gb2312_hanzi():
    chars = set()
    for hi in range(0xB0, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def main():
    collection = TTCollection(SRC)
    font = next(f for f in collection.fonts if "SC" in f["name"].getDebugName(4))
    codepoints = set(range(0x20, 0x7F)) | set(range(0xA0, 0x180)) | set(range(0x2000, 0x2070))
    codepoints |= set(range(0x3000, 0x3100)) | set(range(0xFF00, 0xFFF0))  # CJK punctuation, kana, full-width
    codepoints |= {ord(c) for c in gb2312_hanzi()}
    opts = subset.Options()
    opts.layout_features = ["kern", "palt", "vert", "liga"]
    opts.name_IDs = ["*"]
    opts.notdef_outline = True
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=codepoints)
    sub.subset(font)
    font.save(OUT)
    print(OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
