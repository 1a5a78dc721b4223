#!/bin/sh
# Runs one fuzz target for SECONDS (default 600) with the limits photoscrub
# must live within, at the lowest CPU priority. Findings go to
# fuzz/artifacts/TARGET/, the growing corpus to fuzz/corpus/TARGET/, the
# log to fuzz/logs/TARGET.log.
# Usage: fuzz/run.sh TARGET [SECONDS]
set -eu
target=${1:?usage: fuzz/run.sh TARGET [SECONDS]}
seconds=${2:-600}
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
[ -d "corpus/$target" ] || ./seed.sh "$target"
mkdir -p "artifacts/$target" logs
# -timeout: one input taking 10 s is a hang.
# -rss_limit_mb: the whole process stays under 2 GB.
# -malloc_limit_mb: no single allocation over 512 MB (inputs are at most
#   256 KB; photoscrub must never believe a size field that much).
# -max_len: 256 KB, larger than every fixture.
exec nice -n 19 cargo +nightly fuzz run -O "$target" "corpus/$target" -- \
    -max_total_time="$seconds" \
    -timeout=10 \
    -rss_limit_mb=2048 \
    -malloc_limit_mb=512 \
    -max_len=262144 \
    -print_final_stats=1 \
    -artifact_prefix="artifacts/$target/" \
    >"logs/$target.log" 2>&1
