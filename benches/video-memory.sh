#!/usr/bin/env bash
# Peak memory of checking and cleaning a 2 GB video.
#
# The video is fixtures/video/gopro-gpmd.mp4 (H.264 + AAC + a GoPro GPS
# track) with 2 GiB of unused media data inside its first mdat, written as a
# sparse hole: its mdat gets a 64-bit size and the GPS track's chunk
# offsets move past the hole. photoscrub reads the box headers, moov and
# the GPS samples, scans the 2 GiB for leftover data in 1 MiB pieces, copies
# the file (copy_file_range) and patches the copy. Peak RSS, from
# /usr/bin/time -v, must stay under 64 MB for both `check` and `clean`.
# For comparison, "small" is `check` of the 7 KB original: most of the
# figure is the offline place-name table, loaded once a location is found.
#
# Usage: benches/video-memory.sh     (PHOTOSCRUB=path/to/binary to pick one)
# Needs: python3, GNU time (/usr/bin/time), ffmpeg; ~2.2 GB of free disk for
# the cleaned copy.
set -euo pipefail

cd "$(dirname "$0")/.."
BIN=${PHOTOSCRUB:-target/release/photoscrub}
[ -x "$BIN" ] || cargo build --release --quiet
LIMIT_KB=$((64 * 1024))
TMP=$(mktemp -d "${TMPDIR:-/tmp}/video-memory.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

python3 - fixtures/video/gopro-gpmd.mp4 "$TMP/big.mp4" <<'PYTHON'
import struct
import sys

PAD = 2 << 30
src, dst = sys.argv[1:]
data = bytearray(open(src, "rb").read())


def boxes(start, end):
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        yield kind, pos, pos + 8, pos + size
        pos += size


tops = list(boxes(0, len(data)))
kinds = [t[0] for t in tops]
assert kinds == [b"ftyp", b"free", b"mdat", b"mdat", b"moov"], kinds
ftyp, free, mdat, gps, moov = tops
# The GPS track's chunk offsets (the track whose handler is 'meta') move
# past the hole.
for kind, s, b, e in boxes(moov[2], moov[3]):
    if kind != b"trak":
        continue
    mdia = next(x for x in boxes(b, e) if x[0] == b"mdia")
    hdlr = next(x for x in boxes(mdia[2], mdia[3]) if x[0] == b"hdlr")
    if data[hdlr[2] + 8:hdlr[2] + 12] != b"meta":
        continue
    minf = next(x for x in boxes(mdia[2], mdia[3]) if x[0] == b"minf")
    stbl = next(x for x in boxes(minf[2], minf[3]) if x[0] == b"stbl")
    stco = next(x for x in boxes(stbl[2], stbl[3]) if x[0] == b"stco")
    n = struct.unpack(">I", data[stco[2] + 4:stco[2] + 8])[0]
    for i in range(n):
        at = stco[2] + 8 + 4 * i
        data[at:at + 4] = struct.pack(">I", struct.unpack(">I", data[at:at + 4])[0] + PAD)
payload = data[mdat[2]:mdat[3]]
with open(dst, "wb") as f:
    f.write(data[:free[1]])
    f.write(struct.pack(">I4sQ", 1, b"mdat", 16 + len(payload) + PAD))
    f.write(payload)
    f.seek(PAD, 1)
    f.write(data[gps[1]:])
PYTHON

size=$(stat -c %s "$TMP/big.mp4")
echo "video: $size bytes ($(du -k "$TMP/big.mp4" | cut -f1) KB on disk)"

peak() { # LABEL COMMAND...: runs it under GNU time, prints and checks peak RSS
  local label=$1; shift
  local rc=0
  /usr/bin/time -v "$@" >"$TMP/$label.out" 2>"$TMP/$label.time" || rc=$?
  # check exits 1 when it finds something: that is expected here.
  if [ "$rc" -gt 1 ] || { [ "$rc" -eq 1 ] && [ "$2" != check ]; }; then
    cat "$TMP/$label.out" "$TMP/$label.time" >&2
    exit 1
  fi
  local kb secs
  kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$TMP/$label.time")
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$TMP/$label.time")
  echo "$label: peak RSS $kb KB ($((kb / 1024)) MB), $secs"
  [ "$kb" -lt "$LIMIT_KB" ] || { echo "$label: peak RSS over 64 MB" >&2; exit 1; }
}

peak small "$BIN" check --json fixtures/video/gopro-gpmd.mp4
peak check "$BIN" check --json "$TMP/big.mp4"
grep -q '"status":"leaks"' "$TMP/check.out" || { echo "check found nothing" >&2; exit 1; }
peak clean "$BIN" clean --json --out "$TMP/out" "$TMP/big.mp4"
grep -q '"status":"cleaned"' "$TMP/clean.out" || { cat "$TMP/clean.out" >&2; exit 1; }
out_size=$(stat -c %s "$TMP/out/big.mp4")
[ "$out_size" = "$size" ] || { echo "the cleaned copy is $out_size bytes, not $size" >&2; exit 1; }
if command -v ffmpeg >/dev/null; then
  md5() { ffmpeg -v error -nostdin -i "$1" -map 0:v? -map 0:a? -c copy -f md5 -; }
  [ "$(md5 "$TMP/big.mp4")" = "$(md5 "$TMP/out/big.mp4")" ] || { echo "the streams changed" >&2; exit 1; }
  echo "streams: identical"
fi
echo "ok: peak RSS under 64 MB for a $size-byte video"
