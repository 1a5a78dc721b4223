#!/usr/bin/env python3
"""Writes the licence notices that go into a release archive.

    contrib/notices.py TARGET OUT.txt

Lists photoscrub's own licence, the data it embeds (place names, country
borders) and every crate compiled into the program for TARGET (normal
dependencies only, as cargo resolves them for that target), with its
version, licence and repository, from `cargo metadata`, then the licence
texts those crates ship (LICENSE*, LICENCE*, COPYING*, NOTICE*), each text
once.
"""
import hashlib
import json
import os
import subprocess
import sys

HEADER = """\
photoscrub {version}: licences
==============================

photoscrub is free software under the MIT licence or the Apache licence,
version 2.0, at your choice.

It contains data made by others:

- Place names: GeoNames (https://www.geonames.org/), licensed under
  Creative Commons Attribution 4.0 (CC BY 4.0), converted by
  core/data/make-places.py.
- Map outlines (land, lakes, borders): Natural Earth
  (https://www.naturalearthdata.com/), public domain, converted by
  core/data/make-map.py.

It is built from these Rust crates ({count}), each under the licence named:

"""


def main():
    target, out = sys.argv[1], sys.argv[2]
    meta = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--locked",
             "--filter-platform", target],
            check=True, capture_output=True, text=True,
        ).stdout
    )
    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    root = meta["resolve"]["root"]
    seen, todo = set(), [root]
    while todo:
        node = nodes[todo.pop()]
        for dep in node["deps"]:
            normal = any(k["kind"] is None for k in dep["dep_kinds"])
            if normal and dep["pkg"] not in seen:
                seen.add(dep["pkg"])
                todo.append(dep["pkg"])
    crates = sorted(
        (packages[i] for i in seen), key=lambda p: (p["name"], p["version"])
    )
    lines = [HEADER.format(version=packages[root]["version"], count=len(crates))]
    for p in crates:
        licence = p.get("license") or "see " + (p.get("license_file") or "its files")
        where = p.get("repository") or ""
        lines.append(f"{p['name']} {p['version']}: {licence}  {where}".rstrip() + "\n")
    lines.append("\n\nThe licence texts the crates ship\n=================================\n")
    first_seen = {}
    for p in crates:
        folder = os.path.dirname(p["manifest_path"])
        names = sorted(
            n for n in os.listdir(folder)
            if n.upper().startswith(("LICENSE", "LICENCE", "COPYING", "NOTICE", "UNLICENSE"))
            and os.path.isfile(os.path.join(folder, n))
        )
        for name in names:
            with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as f:
                text = f.read().strip()
            digest = hashlib.sha256(text.encode()).hexdigest()
            lines.append(f"\n--- {p['name']} {p['version']}: {name} ---\n")
            if digest in first_seen:
                lines.append(f"(the same text as {first_seen[digest]})\n")
            else:
                first_seen[digest] = f"{p['name']} {p['version']}: {name}"
                lines.append(text + "\n")
    with open(out, "w", newline="\r\n" if "windows" in target else "\n") as f:
        f.write("".join(lines))


if __name__ == "__main__":
    main()
