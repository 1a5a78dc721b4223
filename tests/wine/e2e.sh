#!/usr/bin/env bash
# photoscrub.exe under Wine on real photos, held against the Linux build.
#
#   tests/wine/e2e.sh PHOTOSCRUB_EXE PHOTOSCRUB_LINUX CORPUS [ACCEPT_PY]
#
# 1. `clean --out` over CORPUS, judged by accept.py (ExifTool, ImageMagick,
#    ffmpeg) for both builds: every file must get the same verdict on
#    Windows as on Linux, none may be damaged, no original modified.
# 2. `clean --in-place --backup` on a copy of CORPUS under Wine: each file
#    ends up byte for byte what the Linux build wrote with --out, and each
#    changed file's backup is byte for byte its original; files the Linux
#    build did not clean are left as they were, with no backup.
# 3. `watch --once` on a copy of CORPUS under Wine: the same cleaned bytes.
# Needs wine and mingw-w64 (tests/wine/run.sh), python3, and what accept.py
# needs (exiftool, imagemagick, ffmpeg).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exe=$(realpath "$1")
linux=$(realpath "$2")
corpus=$(realpath "$3")
accept=$(realpath "${4:-$here/../../../shared/tools/accept.py}")
wine_run="$here/run.sh $exe"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
fail() {
    echo "not ok - $*"
    failed=1
}

# 1. The judge, both builds.
python3 "$accept" "$corpus" --dir-cmd "$linux clean --out {out} {in}" \
    --json-out "$work/linux.json" >"$work/linux.txt"
python3 "$accept" "$corpus" --dir-cmd "$wine_run clean --out {out} {in}" \
    --json-out "$work/wine.json" >"$work/wine.txt"
echo "Linux:   $(grep '^SCORE' "$work/linux.txt")"
echo "Windows: $(grep '^SCORE' "$work/wine.txt")"
python3 - "$work/linux.json" "$work/wine.json" <<'PY' || failed=1
import json, sys
linux, wine = (json.load(open(p)) for p in sys.argv[1:3])
name = lambda r: r.get("file") or r.get("name") or r.get("path")
a = {name(r): r["status"] for r in linux}
b = {name(r): r["status"] for r in wine}
bad = 0
for f in sorted(set(a) | set(b)):
    if a.get(f) != b.get(f):
        print(f"not ok - {f}: Linux {a.get(f)}, Windows {b.get(f)}")
        bad += 1
for r in wine:
    if r["status"] == "DAMAGED" or not r.get("original_untouched", True):
        print(f"not ok - {name(r)}: {r['status']}, original untouched: {r.get('original_untouched')}")
        bad += 1
print(("ok" if not bad else "not ok") + f" - clean --out: {len(b)} files, the same verdict as on Linux for each")
sys.exit(1 if bad else 0)
PY
grep -q 'originals modified 0)' "$work/wine.txt" || fail "originals modified under Wine"

# The Linux build's cleaned copies: what every Windows run must write.
"$linux" clean --quiet --out "$work/expected" "$corpus" >/dev/null 2>&1 || true

# compare FOLDER WITH_BACKUPS: each corpus file in FOLDER against expected/.
compare() {
    python3 - "$corpus" "$work/expected" "$1" "$2" <<'PY'
import os, sys
corpus, expected, got, backups = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "yes"
read = lambda p: open(p, "rb").read()
bad = checked = 0
for dirpath, _, names in os.walk(corpus):
    for n in names:
        rel = os.path.relpath(os.path.join(dirpath, n), corpus)
        original = read(os.path.join(corpus, rel))
        want_path = os.path.join(expected, rel)
        want = read(want_path) if os.path.exists(want_path) else None
        got_path = os.path.join(got, rel)
        have = read(got_path) if os.path.exists(got_path) else None
        backup = got_path + ".photoscrub-backup"
        if backups:
            # In place: a file Linux did not clean stays the original.
            ok = have == (want if want is not None else original)
            changed = want is not None and want != original
            if changed:
                mode = lambda p: os.stat(p).st_mode & 0o777
                ok = (ok and os.path.exists(backup) and read(backup) == original
                      and mode(backup) == mode(os.path.join(corpus, rel)))
            else:
                ok = ok and not os.path.exists(backup)
        else:
            ok = have == want
        checked += 1
        if not ok:
            bad += 1
            print(f"    differs: {rel}")
print(f"{checked} files compared, {bad} differ")
sys.exit(1 if bad else 0)
PY
}

# 2. In place, with backups.
cp -r "$corpus" "$work/inplace"
$wine_run clean --quiet --in-place --backup "$work/inplace" >/dev/null 2>"$work/inplace.err" || true
# The input is closed before the cleaned file replaces it (Windows refuses
# to replace an open file); a backup keeps its original's permissions.
if out=$(compare "$work/inplace" yes); then
    echo "ok - clean --in-place --backup: $out"
else
    fail "clean --in-place --backup: $out ($(head -c 400 "$work/inplace.err"))"
fi

# 3. The watcher, once.
cp -r "$corpus" "$work/inbox"
$wine_run watch --once --out "$work/watched" "$work/inbox" >/dev/null 2>"$work/watch.err" || true
if out=$(compare "$work/watched" no); then
    echo "ok - watch --once: $out"
else
    fail "watch --once: $out"
    tail -5 "$work/watch.err" | sed 's/^/    /'
fi
exit "$failed"
