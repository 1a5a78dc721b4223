#!/usr/bin/env bash
# Builds the Windows release archive of photoscrub on Linux, with Debian's
# mingw-w64 (apt-get install gcc-mingw-w64-x86-64; rustup target add
# x86_64-pc-windows-gnu):
#
#   contrib/windows/build.sh [--exe PATH]
#     -> target/dist/photoscrub-VERSION-windows-x86_64.zip
#
# The zip holds photoscrub.exe, README.txt (for parents) and LICENCES.txt
# (contrib/package.py). Never the Wine test shim (bcryptprimitives.dll):
# Windows has the real one. --exe PATH packs an already built .exe.
#
# Reproducible: no timestamp in the .exe (--no-insert-timestamp), no build
# paths in it (--remap-path-prefix), no debug information, and a zip with
# fixed order and times (SOURCE_DATE_EPOCH, else the last commit's).
set -euo pipefail
cd "$(dirname "$0")/../.."

target=x86_64-pc-windows-gnu
exe=
if [ "${1:-}" = --exe ]; then
    exe=$2
fi

if [ -z "$exe" ]; then
    flags="--remap-path-prefix=$PWD=/photoscrub"
    flags+=" --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=/cargo"
    flags+=" -C link-arg=-Wl,--no-insert-timestamp"
    CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUSTFLAGS="$flags" \
        CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=true \
        cargo build --release --locked --target "$target" --bin photoscrub
    exe="target/$target/release/photoscrub.exe"
fi

# Only Windows' own DLLs may be imported: anything else (a mingw runtime
# DLL) would be missing on a parent's computer.
allowed='^(kernel32|ntdll|msvcrt|userenv|ws2_32|advapi32|bcrypt|bcryptprimitives|shell32|user32|ole32|oleaut32|api-ms-win-[a-z0-9-]+)\.dll$'
x86_64-w64-mingw32-objdump -p "$exe" | sed -n 's/^\s*DLL Name: //p' | tr '[:upper:]' '[:lower:]' |
    while read -r dll; do
        if ! [[ "$dll" =~ $allowed ]]; then
            echo "build.sh: $exe needs $dll, which Windows does not have" >&2
            exit 1
        fi
    done

zip=$(python3 contrib/package.py "$target" "$exe" target/dist)
if unzip -l "$zip" | grep -qi bcryptprimitives; then
    echo "build.sh: the Wine test shim got into the archive" >&2
    exit 1
fi
unzip -l "$zip"
echo "$zip"
