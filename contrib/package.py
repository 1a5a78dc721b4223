#!/usr/bin/env python3
"""Packs a built photoscrub into its release archive.

    contrib/package.py TARGET PROGRAM OUT_FOLDER [EXTRA...]

TARGET is the Rust target triple it was built for (universal-apple-darwin
for a lipo'ed macOS program); PROGRAM the built program. Windows targets get a .zip (photoscrub.exe, README.txt and
LICENCES.txt with Windows line ends); the others a .tar.gz (photoscrub,
README.txt, LICENCES.txt, and on Linux photoscrub.desktop). EXTRA files or
folders (a macOS photoscrub.app) are added as they are. The archive is
reproducible: fixed order, the time of SOURCE_DATE_EPOCH (else the last
commit's), no owner names. Prints the archive's path.
"""
import io
import os
import subprocess
import sys
import tarfile
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def version():
    with open(os.path.join(ROOT, "Cargo.toml")) as f:
        for line in f:
            if line.startswith("version = "):
                return line.split('"')[1]
    raise SystemExit("no version in Cargo.toml")


def system_of(target):
    for word, name in (("windows", "windows"), ("apple", "macos"), ("linux", "linux")):
        if word in target:
            return name
    raise SystemExit(f"unknown target {target}")


def walk(path, name):
    """(name in the archive, path on disk) for a file or a whole folder."""
    if os.path.isdir(path):
        for entry in sorted(os.listdir(path)):
            yield from walk(os.path.join(path, entry), f"{name}/{entry}")
    else:
        yield name, path


def main():
    target, program, out = sys.argv[1], sys.argv[2], sys.argv[3]
    extras = sys.argv[4:]
    system = system_of(target)
    arch = target.split("-")[0]
    top = f"photoscrub-{version()}-{system}-{arch}"
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH") or subprocess.run(
        ["git", "log", "-1", "--format=%ct"], cwd=ROOT, check=True,
        capture_output=True, text=True).stdout)
    crlf = system == "windows"

    with open(os.path.join(HERE, system, "README.txt"), encoding="utf-8") as f:
        readme = f.read()
    notices = os.path.join(out, f"{top}-LICENCES.txt")
    os.makedirs(out, exist_ok=True)
    # A universal macOS program holds the same crates as the arm64 one.
    triple = target.replace("universal-", "aarch64-")
    subprocess.run([sys.executable, os.path.join(HERE, "notices.py"), triple, notices],
                   cwd=ROOT, check=True)
    with open(notices, "rb") as f:
        licences = f.read()
    os.remove(notices)

    members = []  # (name, bytes, executable)
    with open(program, "rb") as f:
        members.append(("photoscrub.exe" if system == "windows" else "photoscrub", f.read(), True))
    text = readme.replace("\n", "\r\n") if crlf else readme
    members.append(("README.txt", text.encode(), False))
    members.append(("LICENCES.txt", licences, False))
    if system == "linux":
        with open(os.path.join(HERE, "linux", "photoscrub.desktop"), "rb") as f:
            members.append(("photoscrub.desktop", f.read(), False))
    for extra in extras:
        for name, path in walk(extra, os.path.basename(extra.rstrip("/"))):
            with open(path, "rb") as f:
                members.append((name, f.read(), os.access(path, os.X_OK)))
    members.sort(key=lambda m: m[0])
    if any("bcryptprimitives" in m[0].lower() for m in members):
        raise SystemExit("the Wine test shim must never be shipped")

    if system == "windows":
        archive = os.path.join(out, top + ".zip")
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
            for name, data, _ in members:
                info = zipfile.ZipInfo(f"{top}/{name}", date_time=time.gmtime(epoch)[:6])
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, data)
    else:
        archive = os.path.join(out, top + ".tar.gz")
        with open(archive, "wb") as raw:
            # gzip without a name or time in its header.
            import gzip
            with gzip.GzipFile(fileobj=raw, mode="wb", filename="", mtime=epoch) as gz:
                with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
                    for name, data, executable in members:
                        info = tarfile.TarInfo(f"{top}/{name}")
                        info.size, info.mtime = len(data), epoch
                        info.mode = 0o755 if executable else 0o644
                        info.uname = info.gname = ""
                        tar.addfile(info, io.BytesIO(data))
    print(archive)


if __name__ == "__main__":
    main()
