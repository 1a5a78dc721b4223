#!/usr/bin/env python3
"""End-to-end batch benchmarks: photoscrub against cp -r and ExifTool.

    python3 benches/batch.py [--runs 5] [--sets jpeg,small,heic,png,tiny,video]
                             [--work /tmp/photoscrub-bench] [--bin PATH]

Builds its own batches under --work the first time (ImageMagick, ExifTool,
heif-enc and ffmpeg's fixture are needed for that):

  jpeg   500 x ~4 MB 12-megapixel JPEGs with phone-like metadata
         (EXIF GPS, maker note, thumbnail, XMP, IPTC, ICC)
  small  1,000 x ~300 KB photos with the same metadata
  heic   200 x 12-megapixel HEIC photos with EXIF GPS and a serial number
  png    200 x ~3 MB 2-megapixel PNGs (screenshots, edited photos) with EXIF,
         XMP, text chunks and an ICC profile
  tiny   10,000 x ~8 KB photos (per-file overhead)
  video  one 2 GB MP4 with a GPS track (dense, not sparse)

Then times each command `--runs` times with a warm cache. Every write
command is followed by `sync`, and the sync is timed with it, so the figures
compare data on disk, not data in the page cache. Prints the medians, the
ratios the issue sets targets for, and photoscrub's peak memory (GNU time).
"""

import argparse
import os
import shutil
import statistics
import struct
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FULL = os.path.join(ROOT, "fixtures", "jpeg", "full.jpg")
GOPRO = os.path.join(ROOT, "fixtures", "video", "gopro-gpmd.mp4")
EXIFTOOL_CLEAN = ["exiftool", "-q", "-all=", "-tagsfromfile", "@", "-Orientation", "-ICC_Profile"]


def run(cmd, **kw):
    subprocess.run(cmd, check=True, **kw)


def with_metadata(path):
    """Copies every tag of the fixture photo (GPS, maker note, thumbnail,
    XMP, IPTC, ICC) into `path`."""
    run(["exiftool", "-q", "-overwrite_original", "-tagsfromfile", FULL,
         "-all:all", "-icc_profile", "-thumbnailimage", path])


def make_photo(path, size, quality):
    """A noisy picture (so it compresses like a real photo) of `size`."""
    run(["convert", "-size", "500x375", "-seed", "7", "plasma:fractal",
         "-resize", f"{size}!", "-attenuate", "0.35", "+noise", "Gaussian",
         "-quality", str(quality), "-sampling-factor", "2x2", path])
    with_metadata(path)


def copies(seed, folder, count, ext):
    os.makedirs(folder, exist_ok=True)
    width = len(str(count))
    for i in range(1, count + 1):
        shutil.copyfile(seed, os.path.join(folder, f"IMG_{i:0{width}}.{ext}"))


def make_heic(path, work):
    png = os.path.join(work, "heic-seed.png")
    run(["convert", "-size", "500x375", "-seed", "7", "plasma:fractal",
         "-resize", "4000x3000!", "-attenuate", "0.35", "+noise", "Gaussian", png])
    run(["heif-enc", "-q", "60", "-o", path, png], stdout=subprocess.DEVNULL)
    run(["exiftool", "-q", "-overwrite_original", "-tagsfromfile", FULL, "-gps:all",
         "-make", "-model", "-serialnumber", "-datetimeoriginal", "-artist", path])


def make_png(path):
    """A 1600x1200 noisy PNG carrying the fixture photo's metadata (EXIF in
    eXIf, XMP in iTXt, ICC in iCCP) and a text chunk."""
    run(["convert", "-size", "400x300", "-seed", "7", "plasma:fractal",
         "-resize", "1600x1200!", "-attenuate", "0.2", "+noise", "Gaussian",
         "-set", "comment", "Emma at Oak Street School", path])
    with_metadata(path)


def make_video(path):
    """The GoPro fixture with 2 GiB of media data inside its first mdat,
    written out densely (a sparse file would flatter cp)."""
    pad = 2 << 30
    data = bytearray(open(GOPRO, "rb").read())

    def boxes(start, end):
        pos = start
        while pos + 8 <= end:
            size, kind = struct.unpack(">I4s", data[pos:pos + 8])
            yield kind, pos, pos + 8, pos + size
            pos += size

    tops = list(boxes(0, len(data)))
    assert [t[0] for t in tops] == [b"ftyp", b"free", b"mdat", b"mdat", b"moov"]
    _, _, mdat, _, moov = tops
    for kind, _, b, e in boxes(moov[2], moov[3]):
        if kind != b"trak":
            continue
        mdia = next(x for x in boxes(b, e) if x[0] == b"mdia")
        minf = next(x for x in boxes(mdia[2], mdia[3]) if x[0] == b"minf")
        stbl = next(x for x in boxes(minf[2], minf[3]) if x[0] == b"stbl")
        stco = next(x for x in boxes(stbl[2], stbl[3]) if x[0] == b"stco")
        n = struct.unpack(">I", data[stco[2] + 4:stco[2] + 8])[0]
        for i in range(n):
            at = stco[2] + 8 + 4 * i
            off = struct.unpack(">I", data[at:at + 4])[0]
            if off >= mdat[3]:
                data[at:at + 4] = struct.pack(">I", off + pad + 8)
            elif off >= mdat[1]:
                data[at:at + 4] = struct.pack(">I", off + 8)
    # The first mdat becomes a 64-bit box with the padding at its end.
    _, start, body, end = mdat
    head = struct.pack(">I4sQ", 1, b"mdat", end - start + 8 + pad)
    chunk = bytes(range(256)) * 4096  # 1 MiB of non-zero media-like bytes
    with open(path, "wb") as out:
        out.write(data[:start])
        out.write(head)
        out.write(data[body:end])
        for _ in range(pad // len(chunk)):
            out.write(chunk)
        out.write(data[end:])


def make_sets(work, wanted):
    sets = {}
    spec = {
        "jpeg": (500, "4000x3000", 94, "jpg"),
        "small": (1000, "1600x1200", 80, "jpg"),
        "tiny": (10000, "160x120", 85, "jpg"),
    }
    for name, (count, size, quality, ext) in spec.items():
        folder = os.path.join(work, f"{name}-{count}")
        if name in wanted:
            if not os.path.isdir(folder):
                seed = os.path.join(work, f"{name}-seed.{ext}")
                make_photo(seed, size, quality)
                copies(seed, folder + ".part", count, ext)
                os.rename(folder + ".part", folder)
            sets[name] = folder
    if "heic" in wanted:
        folder = os.path.join(work, "heic-200")
        if not os.path.isdir(folder):
            seed = os.path.join(work, "heic-seed.heic")
            make_heic(seed, work)
            copies(seed, folder + ".part", 200, "heic")
            os.rename(folder + ".part", folder)
        sets["heic"] = folder
    if "png" in wanted:
        folder = os.path.join(work, "png-200")
        if not os.path.isdir(folder):
            seed = os.path.join(work, "png-seed.png")
            make_png(seed)
            copies(seed, folder + ".part", 200, "png")
            os.rename(folder + ".part", folder)
        sets["png"] = folder
    if "video" in wanted:
        folder = os.path.join(work, "video-2g")
        if not os.path.isdir(folder):
            os.makedirs(folder + ".part", exist_ok=True)
            make_video(os.path.join(folder + ".part", "GOPR0001.MP4"))
            os.rename(folder + ".part", folder)
        sets["video"] = folder
    return sets


def size_of(folder):
    total = count = 0
    for base, _, files in os.walk(folder):
        for f in files:
            total += os.path.getsize(os.path.join(base, f))
            count += 1
    return count, total


def warm(folder):
    for base, _, files in os.walk(folder):
        for f in files:
            with open(os.path.join(base, f), "rb") as fh:
                while fh.read(1 << 20):
                    pass


def timed(cmd, out, stdout=subprocess.DEVNULL):
    """Wall seconds of `cmd` plus the `sync` after it, and its peak RSS in KB
    when it runs under GNU time."""
    if out:
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
    os.sync()
    rss_file = out + ".rss" if out else "/tmp/photoscrub-bench.rss"
    full = ["/usr/bin/time", "-f", "%M", "-o", rss_file] + cmd
    t0 = time.perf_counter()
    subprocess.run(full, stdout=stdout, stderr=subprocess.DEVNULL)
    if out:
        os.sync()
    seconds = time.perf_counter() - t0
    with open(rss_file) as fh:
        rss = int(fh.read().split()[-1])
    os.unlink(rss_file)
    return seconds, rss


def median_of(runs, cmd, out):
    times, rss = [], []
    for _ in range(runs):
        t, r = timed(cmd, out)
        times.append(t)
        rss.append(r)
    return statistics.median(times), max(rss), times


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sets", default="jpeg,small,heic,png,tiny,video")
    ap.add_argument("--work", default="/tmp/photoscrub-bench")
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "photoscrub"))
    ap.add_argument("--no-exiftool", action="store_true", help="skip the ExifTool timings")
    args = ap.parse_args()
    wanted = args.sets.split(",")
    os.makedirs(args.work, exist_ok=True)
    sets = make_sets(args.work, wanted)
    have_exiftool = shutil.which("exiftool") and not args.no_exiftool
    out = os.path.join(args.work, "out")
    rows = []
    for name in wanted:
        folder = sets[name]
        count, total = size_of(folder)
        warm(folder)
        print(f"## {name}: {count} files, {total / 1e6:.0f} MB (medians of {args.runs} runs)",
              flush=True)
        cp_t, _, cp_all = median_of(args.runs, ["cp", "-r", folder + "/.", out], out)
        ps_t, ps_rss, ps_all = median_of(
            args.runs, [args.bin, "clean", "-q", "--out", out, folder], out)
        line = (f"  clean: cp -r {cp_t:.2f} s | photoscrub {ps_t:.2f} s "
                f"= {ps_t / cp_t:.2f} x cp | peak {ps_rss / 1024:.0f} MB "
                f"| {1e3 * ps_t / count:.3f} ms/file")
        et_t = None
        if have_exiftool and name != "tiny" and name != "video":
            et_t, _, _ = median_of(args.runs, EXIFTOOL_CLEAN + ["-o", out + "/", folder], out)
            line += f" | exiftool {et_t:.2f} s = photoscrub {et_t / ps_t:.1f} x faster"
        print(line, flush=True)
        print(f"    runs: cp {fmt(cp_all)}; photoscrub {fmt(ps_all)}", flush=True)
        ck_t, ck_rss, ck_all = median_of(args.runs, [args.bin, "check", "--json", folder], None)
        line = (f"  check --json: {ck_t:.2f} s = {count / ck_t:.0f} files/s "
                f"| peak {ck_rss / 1024:.0f} MB")
        if have_exiftool and name not in ("tiny", "video"):
            ej_t, _, _ = median_of(args.runs, ["exiftool", "-j", "-gps:all", folder], None)
            line += f" | exiftool -j -gps:all {ej_t:.2f} s = {ej_t / ck_t:.1f} x slower"
        print(line, flush=True)
        print(f"    runs: {fmt(ck_all)}", flush=True)
        rows.append((name, count, cp_t, ps_t, et_t, ck_t, ps_rss, ck_rss))
    shutil.rmtree(out, ignore_errors=True)
    print()
    print("| set | files | cp -r + sync | clean + sync | x cp | ExifTool | x faster | check | files/s | peak MB (clean/check) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, count, cp_t, ps_t, et_t, ck_t, ps_rss, ck_rss in rows:
        et = f"{et_t:.2f} s | {et_t / ps_t:.1f}" if et_t else "— | —"
        print(f"| {name} | {count} | {cp_t:.2f} s | {ps_t:.2f} s | {ps_t / cp_t:.2f} | {et} "
              f"| {ck_t:.2f} s | {count / ck_t:.0f} | {ps_rss / 1024:.0f} / {ck_rss / 1024:.0f} |")


def fmt(values):
    return " ".join(f"{v:.2f}" for v in values)


if __name__ == "__main__":
    sys.exit(main())
