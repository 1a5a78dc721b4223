#!/usr/bin/env bash
# Puts the test-only bcryptprimitives.dll (processprng.c) into FOLDER,
# building it with mingw-w64 when it is missing or older than its source.
# Usage: tests/wine/shim.sh FOLDER. Never copy it into a release.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dll="$1/bcryptprimitives.dll"
if [ ! -f "$dll" ] || [ "$here/processprng.c" -nt "$dll" ]; then
    x86_64-w64-mingw32-gcc -O2 -shared -s -o "$dll" "$here/processprng.c" -ladvapi32
fi
