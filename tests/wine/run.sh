#!/bin/sh
# Runs a Windows program under Wine: the cargo runner for
# x86_64-pc-windows-gnu (see .cargo/config.toml), so that
#   cargo test --target x86_64-pc-windows-gnu
#   cargo run  --target x86_64-pc-windows-gnu -- ARGS
# run the .exe files under Wine. Usage: tests/wine/run.sh PROGRAM.exe [ARGS...]
#
# Debian 12's Wine 8 has no bcryptprimitives.dll, whose ProcessPrng every
# Rust program for Windows imports: without it they die before main with
# status c0000135. This script builds a stand-in (processprng.c, a test
# fixture that is never shipped) and puts it next to the program (and next
# to the programs one folder up, which tests start: target/<triple>/<profile>/).
#
# Environment: WINEPREFIX (default ~/.cache/photoscrub/wine: a new prefix
# takes 1.3 GB and ~12 s to set up, so one is shared by every checkout),
# WINEDEBUG (default -all: Wine's fixme/err chatter would mix with the
# program's stderr). No X display is needed for console programs.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
exe=$1
shift

export WINEPREFIX="${WINEPREFIX:-$HOME/.cache/photoscrub/wine}"
export WINEDEBUG="${WINEDEBUG:--all}"

"$here/shim.sh" "$(dirname "$exe")" >&2
case "$(basename "$(dirname "$exe")")" in
deps | examples) "$here/shim.sh" "$(dirname "$(dirname "$exe")")" >&2 ;;
esac

if [ ! -f "$WINEPREFIX/.photoscrub-ready" ]; then
    echo "run.sh: setting up the Wine prefix $WINEPREFIX (once, ~12 s)" >&2
    mkdir -p "$WINEPREFIX"
    wineboot --init >/dev/null 2>&1 && touch "$WINEPREFIX/.photoscrub-ready"
fi
exec wine "$exe" "$@"
