#!/bin/bash
# Makes photoscrub.app, a droplet: drop photos or folders on it (or on its
# icon in the Dock) and photoscrub cleans them in a Terminal window. Runs on
# macOS only (osacompile, plutil, PlistBuddy and codesign come with it).
#
#   contrib/macos/make-droplet.sh PHOTOSCRUB_BINARY [OUT_FOLDER]
#
# PHOTOSCRUB_BINARY is a macOS build of photoscrub (arm64, x86_64, or both
# joined with lipo); it is copied into the app. OUT_FOLDER (default
# target/dist) receives photoscrub.app.
#
# Not run where it was written (Linux): checked there with shellcheck, and
# tests/contrib.rs checks droplet-keys.plist with Python's plistlib and
# that KEYS below are its keys.
set -euo pipefail

binary=$1
out=${2:-target/dist}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -1)
app="$out/photoscrub.app"
KEYS="CFBundleIdentifier CFBundleName CFBundleShortVersionString NSAppleEventsUsageDescription NSHumanReadableCopyright"

mkdir -p "$out"
rm -rf "$app"
osacompile -o "$app" "$here/droplet.applescript"
install -m 755 "$binary" "$app/Contents/Resources/photoscrub"

plist="$app/Contents/Info.plist"
keys=$(mktemp)
sed "s/VERSION/$version/" "$here/droplet-keys.plist" >"$keys"
for key in $KEYS; do
    /usr/libexec/PlistBuddy -c "Delete :$key" "$plist" 2>/dev/null || true
done
/usr/libexec/PlistBuddy -c "Merge $keys" "$plist"
rm -f "$keys"
plutil -lint "$plist"
# A droplet must declare that it takes documents; osacompile does so for a
# script with an `on open` handler.
plutil -extract CFBundleDocumentTypes xml1 -o /dev/null "$plist"

# Changing the bundle broke osacompile's signature: sign it again, ad hoc
# (not notarized: the first start needs right-click > Open).
codesign --force --deep --sign - "$app"
codesign --verify --deep "$app"
echo "$app"
