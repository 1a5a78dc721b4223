#!/usr/bin/env bash
# Builds the web page into web/dist/: the engine compiled to WebAssembly
# (web/engine), the page (web/page) and the place tables (core/data).
#
# Usage: web/build.sh        Needs: cargo and the wasm32 target
#                            (rustup target add wasm32-unknown-unknown).
# Then serve web/dist/ from any static host, or build photoscrub again
# (cargo build --release) to bundle it: `photoscrub web` serves it.
set -euo pipefail
cd "$(dirname "$0")/.."

# Its own target folder: no debug info, stripped; the command line's build
# is left alone.
CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=true \
    cargo build --release --quiet -p photoscrub-web --target wasm32-unknown-unknown \
    --target-dir target/web
dist=web/dist
rm -rf "$dist.tmp"
mkdir -p "$dist.tmp"
cp target/web/wasm32-unknown-unknown/release/photoscrub_web.wasm "$dist.tmp/engine.wasm"
cp web/page/*.html web/page/*.js web/page/*.json web/page/*.css web/page/*.svg web/page/*.webmanifest "$dist.tmp/"
cp core/data/places.bin core/data/map.bin "$dist.tmp/"
# The service worker's cache is named after the content, so a new build
# replaces the old files on the next visit.
version=$(cat "$dist.tmp"/* | sha256sum | cut -c1-16)
sed -i "s/photoscrub-VERSION/photoscrub-$version/" "$dist.tmp/sw.js"
rm -rf "$dist"
mv "$dist.tmp" "$dist"
echo "web page built in $dist ($(du -sh "$dist" | cut -f1)); serve it with: photoscrub web"
