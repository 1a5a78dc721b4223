#!/usr/bin/env python3
"""The web page's speed and memory, in headless Chromium (not a test: it
prints figures).

    python3 benches/web.py [--work /tmp/photoscrub-web-bench] [--bin PATH]
                           [--sets jpeg,video] [--runs 3]

  jpeg   100 x ~4 MB 12-megapixel JPEGs with phone-like metadata (made
         as benches/batch.py makes its "jpeg" set): MB/s from setting the
         files on the page's input to the ZIP link (planned, assembled,
         verified, CRC'd and zipped, in one worker per core), and the CPU
         seconds the browser's processes spent on it (the figure the load
         of a shared machine does not change much). Target: >= 100 MB/s on
         a 2-core machine.
  video  one 2 GB MP4 with a GPS track (batch.py's "video" set, 2 GiB of
         data no track uses, which the page zeroes): peak memory of the
         page (the renderer process that runs the page and its workers,
         sampled every 20 ms from /proc) and of the whole browser. Target:
         page <= 256 MB. The video is deleted afterwards (--keep-video
         keeps it).

The machine's load average is printed with each figure.

The page is served by `photoscrub web` (build it first: web/build.sh, then
cargo build --release). Needs chromium, chromium-driver, ImageMagick and
ExifTool (to make the photos once).
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "web", "test"))
import batch  # noqa: E402
from webdriver import Browser, Server  # noqa: E402

ZIP_LINK = """const a = [...document.querySelectorAll('a[download$=".zip"]')].filter((a) => !a.hidden && a.href);
return a.length > 0;"""


def descendants(pid):
    """`pid` and every process under it."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError):
                pass
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class Peak:
    """Samples the browser's processes until stopped: the peak RSS of the
    renderers (the page and its workers) and of all of them together."""

    def __init__(self, root):
        self.root, self.page, self.total, self.done = root, 0, 0, False
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self):
        while not self.done:
            pids = descendants(self.root)
            sizes = {p: rss_kb(p) for p in pids}
            renderers = [p for p in pids if "--type=renderer" in cmdline(p)]
            self.page = max(self.page, max((sizes[p] for p in renderers), default=0))
            self.total = max(self.total, sum(sizes.values()))
            time.sleep(0.02)

    def stop(self):
        self.done = True
        self.thread.join()


def cpu_seconds(root):
    """CPU seconds used so far by `root` and every process under it."""
    total = 0
    for pid in descendants(root):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, ValueError, IndexError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def clean_on_page(server, files, timeout=3600, measure=False):
    """Seconds from setting `files` on a fresh page to its ZIP link, the
    browser's CPU seconds meanwhile, and the Peak if `measure`."""
    with tempfile.TemporaryDirectory() as downloads:
        browser = Browser(downloads)
        try:
            browser.get(server.url)
            browser.wait("return document.readyState === 'complete'")
            # Workers loaded: let them fetch and compile the engine first.
            time.sleep(1)
            peak = Peak(browser.driver.pid) if measure else None
            cpu = cpu_seconds(browser.driver.pid)
            started = time.monotonic()
            browser.send_files(browser.elements("input[type=file]")[0], files)
            browser.wait(ZIP_LINK, timeout=timeout, step=0.05)
            seconds = time.monotonic() - started
            cpu = cpu_seconds(browser.driver.pid) - cpu
            if peak:
                peak.stop()
            refused = browser.script("return document.querySelectorAll('.card.refused').length")
            if refused:
                raise SystemExit(f"the page refused {refused} of {len(files)} files")
            return seconds, cpu, peak
        finally:
            browser.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="/tmp/photoscrub-web-bench")
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "photoscrub"))
    ap.add_argument("--sets", default="jpeg,video")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep-video", action="store_true")
    args = ap.parse_args()
    wanted = set(args.sets.split(","))
    os.makedirs(args.work, exist_ok=True)
    server = Server(args.bin)
    try:
        if "jpeg" in wanted:
            files = jpeg_set(args.work)
            mb = sum(os.path.getsize(f) for f in files) / 1e6
            runs = []
            for _ in range(args.runs):
                load = os.getloadavg()[0]
                seconds, cpu, _ = clean_on_page(server, files)
                runs.append(seconds)
                print(f"  {seconds:.2f} s ({mb / seconds:.0f} MB/s), browser CPU {cpu:.2f} s "
                      f"(-> {mb / (cpu / os.cpu_count()):.0f} MB/s if all {os.cpu_count()} cores were free), "
                      f"load average {load:.1f}", flush=True)
            median = statistics.median(runs)
            print(f"jpeg: {len(files)} files, {mb:.0f} MB: median {median:.2f} s -> {mb / median:.0f} MB/s "
                  f"({os.cpu_count()} cores; target >= 100 MB/s)")
        if "video" in wanted:
            folder = batch.make_sets(args.work, {"video"})["video"]
            video = os.path.join(folder, "GOPR0001.MP4")
            try:
                load = os.getloadavg()[0]
                seconds, cpu, peak = clean_on_page(server, [video], measure=True)
                size = os.path.getsize(video)
            finally:
                if not args.keep_video:
                    shutil.rmtree(folder, ignore_errors=True)
            print(f"video: {size / 2**30:.2f} GiB in {seconds:.1f} s, browser CPU {cpu:.1f} s; "
                  f"peak RSS: page (renderer) {peak.page // 1024} MB, whole browser {peak.total // 1024} MB "
                  f"(target: page <= 256 MB), load average {load:.1f}")
    finally:
        server.close()


def jpeg_set(work):
    """100 copies of one 12-megapixel JPEG with phone-like metadata."""
    folder = os.path.join(work, "jpeg-100")
    if not os.path.isdir(folder):
        seed = os.path.join(work, "jpeg-seed.jpg")
        batch.make_photo(seed, "4000x3000", 94)
        batch.copies(seed, folder + ".part", 100, "jpg")
        os.rename(folder + ".part", folder)
    return [os.path.join(folder, n) for n in sorted(os.listdir(folder))]


if __name__ == "__main__":
    main()
