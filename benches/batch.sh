#!/usr/bin/env bash
# End-to-end batch timing: photoscrub clean vs cp -r (+ sync) vs ExifTool.
#
#   benches/batch.sh [COUNT] [WORKDIR]
#
# Generates COUNT (default 500) ~4 MB 12-megapixel JPEGs with phone-like
# metadata (EXIF GPS, maker note, thumbnail, XMP, IPTC, ICC) under WORKDIR
# (default /tmp/photoscrub-bench), then times, each followed by `sync`:
#   cp -r IN OUT
#   photoscrub clean --out OUT IN
#   exiftool -all= -tagsfromfile @ -Orientation -ICC_Profile -o OUT/ IN   (if installed)
# and prints the ratios. Warm cache: the input is read once before timing.
set -euo pipefail
count=${1:-500}
work=${2:-/tmp/photoscrub-bench}
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/target/release/photoscrub"
[ -x "$bin" ] || (cd "$root" && cargo build --release)

mkdir -p "$work"
in="$work/in-$count"
if [ ! -d "$in" ]; then
    seed="$work/seed.jpg"
    convert -size 1000x750 -seed 7 plasma:fractal -resize 4000x3000\! -attenuate 0.35 +noise Gaussian \
        -quality 94 -sampling-factor 2x2 "$seed"
    exiftool -q -overwrite_original -tagsfromfile "$root/fixtures/jpeg/full.jpg" -all:all -icc_profile "$seed"
    mkdir -p "$in"
    for i in $(seq -w 1 "$count"); do cp "$seed" "$in/IMG_$i.jpg"; done
fi
du -sh "$in"
cat "$in"/* > /dev/null   # warm the cache

time_it() {  # label, command...
    local label=$1; shift
    rm -rf "$work/out"; mkdir -p "$work/out"; sync
    local t0 t1
    t0=$(date +%s.%N)
    "$@" > /dev/null 2>&1 || true
    sync
    t1=$(date +%s.%N)
    echo "$label $(echo "$t1 - $t0" | bc)"
}

cp_t=$(time_it cp cp -r "$in/." "$work/out/" | awk '{print $2}')
ps_t=$(time_it photoscrub "$bin" clean -q --out "$work/out" "$in" | awk '{print $2}')
echo "cp -r + sync:          ${cp_t} s"
echo "photoscrub clean+sync: ${ps_t} s  ($(echo "scale=2; $ps_t / $cp_t" | bc) x cp)"
if command -v exiftool > /dev/null; then
    et_t=$(time_it exiftool exiftool -q -all= -tagsfromfile @ -Orientation -ICC_Profile -o "$work/out/" "$in" | awk '{print $2}')
    echo "exiftool + sync:       ${et_t} s  (photoscrub is $(echo "scale=1; $et_t / $ps_t" | bc) x faster)"
fi
