#!/bin/sh
# Seeds fuzz/corpus/TARGET/ from the committed fixtures (and the regression
# inputs in fixtures/fuzz/). Safe to rerun: files are named by content, so
# nothing is duplicated, and what the fuzzer has added stays.
# Usage: fuzz/seed.sh [TARGET...]   (default: every target)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
fx="$here/../fixtures"
corpus="$here/corpus"

# Copies the given files into corpus/$1, each named by its SHA-1.
add() {
    target=$1
    shift
    mkdir -p "$corpus/$target"
    for f in "$@"; do
        [ -f "$f" ] || continue
        sum=$(sha1sum "$f" | cut -c1-40)
        cp "$f" "$corpus/$target/$sum"
    done
}

seed() {
    case $1 in
        jpeg) add jpeg "$fx"/jpeg/*.jpg "$fx"/samples/*.jpg "$fx"/fuzz/jpeg-* ;;
        png) add png "$fx"/png/*.png "$fx"/other/*.png "$fx"/fuzz/png-* ;;
        webp) add webp "$fx"/webp/*.webp "$fx"/fuzz/webp-* ;;
        gif) add gif "$fx"/gif/*.gif "$fx"/fuzz/gif-* ;;
        heif) add heif "$fx"/heif/*.heic "$fx"/heif/*.avif "$fx"/other/*.heic "$fx"/fuzz/heif-* ;;
        jxl) add jxl "$fx"/jxl/*.jxl "$fx"/fuzz/jxl-* ;;
        tiff) add tiff "$fx"/tiff/*.tif "$fx"/tiff/*.dng "$fx"/fuzz/tiff-* ;;
        mp4) add mp4 "$fx"/video/*.mp4 "$fx"/video/*.mov "$fx"/video/*.3gp "$fx"/fuzz/mp4-* ;;
        scrub)
            add scrub "$fx"/jpeg/*.jpg "$fx"/png/*.png "$fx"/webp/*.webp "$fx"/gif/*.gif \
                "$fx"/heif/*.heic "$fx"/heif/*.avif "$fx"/jxl/*.jxl "$fx"/tiff/*.tif \
                "$fx"/video/*.mp4 "$fx"/video/*.mov "$fx"/other/* "$fx"/fuzz/*
            ;;
        metadata) seed_metadata ;;
        *)
            echo "unknown target: $1" >&2
            exit 2
            ;;
    esac
}

# The metadata target reads one selector byte (0 EXIF, 1 XMP, 2 IPTC /
# Photoshop, 3 MPF) and then the block. The blocks come out of the JPEG
# fixtures' APP1, APP2 and APP13 segments.
seed_metadata() {
    mkdir -p "$corpus/metadata"
    python3 - "$corpus/metadata" "$fx"/jpeg/*.jpg "$fx"/samples/*.jpg "$fx"/fuzz/metadata-* <<'PY'
import hashlib, os, sys

out = sys.argv[1]

def save(selector, block):
    data = bytes([selector]) + block
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)

def segments(data):
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xDA:
            return
        n = int.from_bytes(data[pos + 2:pos + 4], "big")
        yield marker, data[pos + 4:pos + 2 + n]
        pos += 2 + n

for path in sys.argv[2:]:
    if not os.path.isfile(path):
        continue
    data = open(path, "rb").read()
    if os.path.basename(path).startswith("metadata-"):
        out_name = hashlib.sha1(data).hexdigest()
        open(os.path.join(out, out_name), "wb").write(data)
        continue
    if not data.startswith(b"\xff\xd8"):
        continue
    for marker, body in segments(data):
        if marker == 0xE1 and body.startswith(b"Exif\0\0"):
            save(0, body[6:])
        elif marker == 0xE1 and body.startswith(b"http://ns.adobe.com/xap/1.0/\0"):
            save(1, body[29:])
        elif marker == 0xED and body.startswith(b"Photoshop 3.0\0"):
            save(2, body[14:])
        elif marker == 0xE2 and body.startswith(b"MPF\0"):
            save(3, body[4:])
PY
}

if [ $# -eq 0 ]; then
    set -- jpeg png webp gif heif jxl tiff mp4 scrub metadata
fi
for t in "$@"; do
    seed "$t"
    echo "$t: $(ls "$corpus/$t" | wc -l) inputs"
done
