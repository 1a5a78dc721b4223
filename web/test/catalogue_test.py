#!/usr/bin/env python3
"""The page's two catalogues (web/page/lang-en.json, lang-nl.json) say the
same things: the same keys, the same plural forms, the same {placeholders};
every key the page asks for is in them and every key in them is asked for.

Usage: web/test/catalogue_test.py     (standard library only, no browser)
"""
import json
import os
import re
import sys

PAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "page")


def load(lang):
    with open(os.path.join(PAGE, f"lang-{lang}.json"), encoding="utf-8") as f:
        return json.load(f)


def shape(value):
    """Plural forms and placeholders of one entry."""
    if isinstance(value, dict):
        return {form: sorted(set(re.findall(r"\{(\w+)\}", text))) for form, text in value.items()}
    return sorted(set(re.findall(r"\{(\w+)\}", value)))


def used_keys():
    """Keys the page names: t('key' …) and data-i18n="key", and the
    catalogue keys made from a prefix (`category_${…}`, `why_${…}`)."""
    with open(os.path.join(PAGE, "app.js"), encoding="utf-8") as f:
        script = f.read()
    with open(os.path.join(PAGE, "index.html"), encoding="utf-8") as f:
        html = f.read()
    keys = set(re.findall(r"\bt\('(\w+)'", script)) | set(re.findall(r'data-i18n="(\w+)"', html))
    keys |= {"title"}
    prefixes = set(re.findall(r"`(\w+_)\$\{", script))
    return keys, prefixes


def main():
    en, nl = load("en"), load("nl")
    failures = []
    if set(en) != set(nl):
        failures.append(f"keys only in English: {sorted(set(en) - set(nl))}, "
                        f"only in Dutch: {sorted(set(nl) - set(en))}")
    for key in sorted(set(en) & set(nl)):
        if shape(en[key]) != shape(nl[key]):
            failures.append(f"{key}: English {shape(en[key])}, Dutch {shape(nl[key])}")
        if en[key] == nl[key] and key != "title":
            failures.append(f"{key}: the same text in both languages")
    keys, prefixes = used_keys()
    missing = sorted(k for k in keys if k not in en)
    if missing:
        failures.append(f"asked for by the page but not in the catalogues: {missing}")
    unused = sorted(k for k in en if k not in keys and not any(k.startswith(p) for p in prefixes))
    if unused:
        failures.append(f"in the catalogues but never asked for: {unused}")
    for f in failures:
        print("FAIL", f)
    print(f"{len(en)} keys in each catalogue" if not failures else f"{len(failures)} problems")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
