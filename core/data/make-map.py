#!/usr/bin/env python3
"""Builds data/map.bin, the offline map outlines read by src/mapdata.rs.

Inputs: Natural Earth (public domain) GeoJSON files, version 4.0.0 as
converted from the shapefiles with ogr2ogr (one such conversion is the
public GitHub repository martynafford/natural-earth-geojson, CC0), at two
scales: 1:50m for the overview level (a country, a continent, the world)
and 1:10m, simplified to --detail-tolerance metres, for the detail level
(a town, a region):

  --land50/--land10        ne_{50,10}m_land.json         land polygons
  --lakes50/--lakes10      ne_{50,10}m_lakes.json        lakes (IJsselmeer...)
  --borders50/--borders10  ne_{50,10}m_admin_0_boundary_lines_land.json

Output format (little-endian; the reader is src/mapdata.rs):

  header  b"PSMAPDAT", u16 version=1, u16 unit (coordinates are in
          1/unit degree), u32 parts
  parts   each: u8 kind (0 land, 1 hole in land, 2 lake, 3 island in a
          lake, 4 border line), u8 level (0 overview, 1 detail), i32 west, i32 south, i32 east, i32 north
          (bounding box), u32 points, u32 bytes of points, then the
          points: longitude and
          latitude as zigzag LEB128 varints, each a difference from the
          previous point (the first from west, south)

Rings are closed implicitly (the last point is not repeated). Within a
level, parts are written land first, then holes, lakes, islands and
borders, so drawing them in order paints the map.
"""

import argparse
import hashlib
import json
import math
import struct

UNIT = 1024  # 1/1024 degree: about 110 m, well below the data's accuracy
LAND, HOLE, LAKE, ISLAND, BORDER = range(5)


def varint(v):
    v = (v << 1) ^ (v >> 63)  # zigzag
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def douglas_peucker(points, tolerance_m):
    """Drops points that lie within tolerance_m of the simplified line."""
    if tolerance_m <= 0 or len(points) < 3:
        return points
    mid = math.radians(sum(p[1] for p in points) / len(points))
    kx, ky = 111_320.0 * math.cos(mid), 110_574.0
    xy = [(p[0] * kx, p[1] * ky) for p in points]
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (ax, ay), (bx, by) = xy[a], xy[b]
        dx, dy = bx - ax, by - ay
        norm = math.hypot(dx, dy)
        best, far = -1.0, -1
        for i in range(a + 1, b):
            px, py = xy[i]
            if norm == 0:
                d = math.hypot(px - ax, py - ay)
            else:
                d = abs(dy * (px - ax) - dx * (py - ay)) / norm
            if d > best:
                best, far = d, i
        if far >= 0 and best > tolerance_m:
            keep[far] = True
            stack += [(a, far), (far, b)]
    return [p for p, k in zip(points, keep) if k]


def quantise(points, closed):
    q = [(round(lon * UNIT), round(lat * UNIT)) for lon, lat in points]
    out = []
    for p in q:
        if not out or p != out[-1]:
            out.append(p)
    if closed and len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return out


def part(kind, points, level, tolerance_m):
    closed = kind != BORDER
    q = quantise(douglas_peucker(points, tolerance_m), closed)
    if len(q) < (3 if closed else 2):
        return None
    west = min(x for x, _ in q)
    east = max(x for x, _ in q)
    south = min(y for _, y in q)
    north = max(y for _, y in q)
    coords = bytearray()
    px, py = west, south
    for x, y in q:
        coords += varint(x - px) + varint(y - py)
        px, py = x, y
    head = struct.pack("<BBiiiiII", kind, level, west, south, east, north, len(q), len(coords))
    return head + coords


def polygons(path):
    for f in json.load(open(path))["features"]:
        g = f["geometry"]
        if g["type"] == "Polygon":
            yield g["coordinates"]
        elif g["type"] == "MultiPolygon":
            yield from g["coordinates"]


def lines(path):
    for f in json.load(open(path))["features"]:
        g = f["geometry"]
        if g["type"] == "LineString":
            yield g["coordinates"]
        elif g["type"] == "MultiLineString":
            yield from g["coordinates"]


def chained(segments):
    """Joins lines that meet end to start into longer lines (the 1:10m
    borders come in thousands of short pieces)."""
    key = lambda p: (round(p[0], 6), round(p[1], 6))
    by_start = {}
    for i, s in enumerate(segments):
        by_start.setdefault(key(s[0]), []).append(i)
    used = [False] * len(segments)
    for i, s in enumerate(segments):
        if used[i]:
            continue
        used[i] = True
        line = list(s)
        while True:
            nxt = [j for j in by_start.get(key(line[-1]), []) if not used[j]]
            if not nxt:
                break
            used[nxt[0]] = True
            line.extend(segments[nxt[0]][1:])
        yield line


def level_parts(level, land, lakes, borders, tolerance_m):
    parts = {k: [] for k in range(5)}
    for poly in polygons(land):
        parts[LAND].append(part(LAND, poly[0], level, tolerance_m))
        parts[HOLE].extend(part(HOLE, r, level, tolerance_m) for r in poly[1:])
    for poly in polygons(lakes):
        parts[LAKE].append(part(LAKE, poly[0], level, tolerance_m))
        parts[ISLAND].extend(part(ISLAND, r, level, tolerance_m) for r in poly[1:])
    for line in chained(list(lines(borders))):
        parts[BORDER].append(part(BORDER, line, level, tolerance_m))
    return [p for k in range(5) for p in parts[k] if p]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for scale in ("50", "10"):
        ap.add_argument(f"--land{scale}", required=True)
        ap.add_argument(f"--lakes{scale}", required=True)
        ap.add_argument(f"--borders{scale}", required=True)
    ap.add_argument("--detail-tolerance", type=float, default=100.0,
                    help="Douglas-Peucker tolerance in metres for the 1:10m detail level")
    ap.add_argument("--out", default="data/map.bin")
    args = ap.parse_args()

    overview = level_parts(0, args.land50, args.lakes50, args.borders50, 0.0)
    detail = level_parts(1, args.land10, args.lakes10, args.borders10, args.detail_tolerance)
    body = b"".join(overview) + b"".join(detail)
    count = len(overview) + len(detail)
    out = b"PSMAPDAT" + struct.pack("<HHI", 1, UNIT, count) + body
    with open(args.out, "wb") as f:
        f.write(out)
    print(f"{args.out}: {len(out)} bytes, {count} parts: overview (1:50m) "
          f"{sum(map(len, overview))} bytes in {len(overview)} parts, detail (1:10m, "
          f"{args.detail_tolerance:g} m) {sum(map(len, detail))} bytes in {len(detail)} parts")
    for name in ("land50", "lakes50", "borders50", "land10", "lakes10", "borders10"):
        path = getattr(args, name)
        print(f"  {name}: sha256 {hashlib.sha256(open(path, 'rb').read()).hexdigest()}")


if __name__ == "__main__":
    main()
