#!/usr/bin/env python3
"""The web page in a real headless Chromium, judged like the command line.

1. `photoscrub clean --out` cleans the corpus: the reference outputs.
2. `photoscrub web` serves the bundled page; Chromium (WebDriver) opens it,
   and every corpus file is set on the page's one <input type=file
   multiple> — those the command line cleans and those it does not.
3. When the batch is done the page shows one link whose `download` ends in
   .zip; it is clicked and the ZIP downloaded.
4. The ZIP holds exactly the files the command line cleaned, under their
   names, byte for byte the same; the others are shown as not offered.
5. Every network request the page (and its workers) made stayed in its
   origin.
6. Screenshots at 1280 and 390 px; at 390 px nothing overflows sideways.
7. accept.py judges the downloaded files (ExifTool, ImageMagick, ffmpeg):
   nothing damaged, and no leak the command line's own outputs do not have
   (they are the same bytes).

Usage: web/test/page_test.py [--corpus DIR] [--photoscrub BIN] [--shots DIR]
Needs: chromium, chromium-driver, exiftool, imagemagick, ffmpeg; the page
built (web/build.sh) and bundled (cargo build --release after it).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

sys.path.insert(0, os.path.dirname(__file__))
from webdriver import Browser, Recorder, Server  # noqa: E402

# What Debian's Chromium contacts by itself on an empty tab (measured with
# the recording proxy on about:blank): never the page's doing.
CHROMIUM_OWN = {"accounts.google.com", "clients2.google.com", "update.googleapis.com",
                "optimizationguide-pa.googleapis.com", "start.duckduckgo.com"}


def host(url):
    return url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]


def languages(browser, server, check):
    """Dutch when the browser prefers Dutch to English, else English; the
    switch in the page changes every text to the other catalogue's."""
    browser.get(server.url)
    browser.wait("return document.readyState === 'complete' && document.title.length > 0")
    chosen = browser.script("return [['nl-BE', 'en'], ['de', 'nl'], ['en-GB', 'nl'], ['fr'], []]"
                            ".map((l) => chooseLanguage(l)).join(' ')")
    check(chosen == "nl nl en en en", f"the language follows navigator.languages ({chosen})")
    was = browser.script("return document.documentElement.lang")
    browser.click(browser.elements("#language")[0])
    browser.wait(f"return document.documentElement.lang !== {was!r}")
    now = browser.script("return document.documentElement.lang")
    with open(os.path.join(ROOT, "web", "page", f"lang-{now}.json"), encoding="utf-8") as f:
        catalogue = json.load(f)
    shown = browser.script("return [...document.querySelectorAll('[data-i18n]')]"
                           ".map((n) => [n.dataset.i18n, n.textContent])")
    wrong = [k for k, text in shown if text != catalogue[k]]
    check({was, now} == {"en", "nl"} and not wrong,
          f"the switch shows every text in the other language ({was} -> {now}) {wrong[:5]}")


def folder_names(browser, server, inputs, reference, downloads, work, check):
    """A folder picked with "Choose a folder" (the file input with
    webkitdirectory set): the ZIP keeps each file's path inside it."""
    jpegs = [p for p in inputs if p.lower().endswith(".jpg")
             and os.path.exists(os.path.join(reference, os.path.basename(p)))][:2]
    tree = {"trip/day 1/a.jpg": jpegs[0], "trip/day 2/b.jpg": jpegs[1]}
    for name, source in tree.items():
        os.makedirs(os.path.dirname(os.path.join(work, "folder", name)), exist_ok=True)
        shutil.copyfile(source, os.path.join(work, "folder", name))
    browser.get(server.url)
    browser.wait("return document.readyState === 'complete'")
    browser.cdp("Page.setInterceptFileChooserDialog", enabled=True)  # no native dialog
    browser.click(browser.elements("#pick-folder")[0])
    check(browser.script("return document.getElementById('pick').webkitdirectory"),
          "'Choose a folder' makes the file input pick folders")
    browser.send_files(browser.elements("input[type=file]")[0], [os.path.join(work, "folder", "trip")])
    zip_name = browser.wait("""
        const a = [...document.querySelectorAll('a[download$=".zip"]')].find((a) => !a.hidden && a.href);
        return a ? a.download : null;""", timeout=300)
    browser.click(browser.elements('a[download$=".zip"]')[0])
    path = os.path.join(downloads, zip_name)
    end = time.monotonic() + 120
    while not os.path.exists(path) and time.monotonic() < end:
        time.sleep(0.2)
    with zipfile.ZipFile(path) as z:
        names = sorted(z.namelist())
        same = names == sorted(tree) and all(
            z.read(n) == open(os.path.join(reference, os.path.basename(src)), "rb").read()
            for n, src in tree.items())
    check(same, f"a picked folder's files keep their relative names in the ZIP {names}")


ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus", "real"))
    ap.add_argument("--photoscrub", default=os.path.join(ROOT, "target", "release", "photoscrub"))
    ap.add_argument("--shots", default=os.path.join(ROOT, "target", "web-test"))
    ap.add_argument("--accept", default=os.path.join(ROOT, "..", "shared", "tools", "accept.py"))
    args = ap.parse_args()
    failures = []

    def check(ok, what):
        print(("ok   " if ok else "FAIL ") + what, flush=True)
        if not ok:
            failures.append(what)

    os.makedirs(args.shots, exist_ok=True)
    work = tempfile.mkdtemp(prefix="photoscrub-web-test.")
    inputs = sorted(os.path.join(args.corpus, n) for n in os.listdir(args.corpus)
                    if os.path.isfile(os.path.join(args.corpus, n)))
    names = [os.path.basename(p) for p in inputs]
    check(len(set(names)) == len(names), "corpus file names are unique")

    reference = os.path.join(work, "cli")
    subprocess.run([args.photoscrub, "clean", "--quiet", "--out", reference, *inputs],
                   stdout=subprocess.DEVNULL)
    cleaned_by_cli = sorted(os.listdir(reference))
    print(f"the command line cleaned {len(cleaned_by_cli)} of {len(inputs)} files")

    server = Server(args.photoscrub)
    downloads = os.path.join(work, "downloads")
    os.makedirs(downloads)
    origin = server.url.rstrip("/")
    recorder = Recorder(origin)
    browser = Browser(downloads, proxy=recorder)
    try:
        browser.requests()  # the new-tab page's, before ours
        browser.get(server.url)
        browser.wait("return document.readyState === 'complete'")
        browser.screenshot(os.path.join(args.shots, "empty-1280.png"), 1280)
        pickers = browser.elements("input[type=file]")
        check(len(pickers) == 1 and browser.script(
            "return document.querySelector('input[type=file]').multiple"), "one <input type=file multiple>")
        started = time.monotonic()
        browser.send_files(pickers[0], inputs)
        zip_name = browser.wait("""
            const links = [...document.querySelectorAll('a[download$=".zip"]')].filter((a) => !a.hidden && a.href);
            return links.length ? links.map((a) => a.download).join('|') : null;""", timeout=1800)
        seconds = time.monotonic() - started
        megabytes = sum(os.path.getsize(p) for p in inputs) / 1e6
        print(f"the page cleaned {megabytes:.0f} MB in {seconds:.1f} s")
        check("|" not in zip_name, f"one .zip link when done ({zip_name})")
        not_offered = browser.script("return document.querySelectorAll('.card.refused').length")
        check(not_offered == len(inputs) - len(cleaned_by_cli),
              f"{not_offered} files shown as not offered, as the command line refused "
              f"{len(inputs) - len(cleaned_by_cli)}")
        browser.wait("return document.querySelectorAll('#places-list li').length > 0", timeout=60)
        browser.screenshot(os.path.join(args.shots, "done-1280.png"), 1280)
        browser.screenshot(os.path.join(args.shots, "done-390.png"), 390)
        overflow = browser.script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        check(overflow <= 0, f"no horizontal overflow at 390 px ({overflow} px)")
        browser.cdp("Emulation.clearDeviceMetricsOverride")
        browser.click(browser.elements('a[download$=".zip"]')[0])
        path = os.path.join(downloads, zip_name)
        end = time.monotonic() + 300
        while not os.path.exists(path) and time.monotonic() < end:
            time.sleep(0.2)
        check(os.path.exists(path), f"the ZIP was downloaded ({path})")

        # The page's own requests, from its DevTools log: all in its origin.
        urls = browser.requests()
        outside = [u for u in urls if not u.startswith((origin + "/", "blob:", "data:"))]
        check(not outside, f"the page made {len(urls)} requests, none outside {origin} {outside[:5]}")
        # Everything the browser sent, workers and service worker included,
        # through the recording proxy: nothing but the origin and the hosts
        # Chromium calls by itself with no page open (sign-in, updates).
        urls = recorder.urls
        outside = [u for u in urls if not u.startswith(origin + "/") and host(u) not in CHROMIUM_OWN]
        check(not outside, f"the browser sent {len(urls)} requests, none elsewhere {outside[:5]}")
        check(any(u.endswith("/engine.wasm") for u in urls) and any(u.endswith("/places.bin") for u in urls),
              "the proxy sees the workers' requests (engine.wasm, places.bin)")
        batch_zip = path + ".batch"
        os.rename(path, batch_zip)
        path = batch_zip
        languages(browser, server, check)
        folder_names(browser, server, inputs, reference, downloads, work, check)
    finally:
        browser.close()
        recorder.close()
        server.close()

    unzipped = os.path.join(work, "page")
    with zipfile.ZipFile(path) as z:
        check(z.testzip() is None, "every CRC in the ZIP is right")
        check(all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist()), "the ZIP is stored")
        check(sorted(z.namelist()) == cleaned_by_cli,
              f"the ZIP holds the {len(cleaned_by_cli)} files the command line cleaned, by name")
        z.extractall(unzipped)
    differ = [n for n in cleaned_by_cli if os.path.exists(os.path.join(unzipped, n))
              and open(os.path.join(unzipped, n), "rb").read() != open(os.path.join(reference, n), "rb").read()]
    check(not differ, f"each is byte-identical to the command line's output {differ[:5]}")

    judged = subprocess.run([sys.executable, args.accept, args.corpus, "--require", "DAMAGED",
                             "--dir-cmd", f"cp -r {unzipped}/. {{out}}"], capture_output=True, text=True)
    print(judged.stdout.strip().splitlines()[-1] if judged.stdout.strip() else judged.stderr[-500:])
    check(judged.returncode == 0, "accept.py: nothing damaged")
    print(f"screenshots in {args.shots}")
    shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"{len(failures)} checks failed")
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
