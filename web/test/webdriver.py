"""A small WebDriver client for headless Chromium (Debian's chromium and
chromium-driver), standard library only: what the page test and the
benchmark need, nothing more."""
import base64
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """One headless Chromium, driven through chromedriver. Downloads go to
    `downloads`; the performance log records every network request."""

    def __init__(self, downloads, proxy=None, width=1280, height=900):
        for tool in (CHROMIUM, CHROMEDRIVER):
            if not os.access(tool, os.X_OK):
                raise SystemExit(f"{tool} is needed (apt-get install chromium chromium-driver)")
        self.profile = tempfile.mkdtemp(prefix="photoscrub-chromium.")
        port = free_port()
        self.driver = subprocess.Popen([CHROMEDRIVER, f"--port={port}"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if self._call("GET", "/status")["ready"]:
                    break
            except OSError:
                time.sleep(0.1)
        options = {
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--user-data-dir={self.profile}", f"--window-size={width},{height}",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync"]
            + ([f"--proxy-server=http://127.0.0.1:{proxy.port}", "--proxy-bypass-list=<-loopback>"]
               if proxy else []),
            "prefs": {"download.default_directory": os.path.abspath(downloads),
                      "download.prompt_for_download": False},
        }
        caps = {"browserName": "chrome", "goog:chromeOptions": options,
                "goog:loggingPrefs": {"performance": "ALL"}}
        self.session = self._call("POST", "/session", {"capabilities": {"alwaysMatch": caps}})["sessionId"]
        self.cdp("Page.setDownloadBehavior", behavior="allow", downloadPath=os.path.abspath(downloads))

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=3600) as response:
                return json.loads(response.read())["value"]
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"webdriver {method} {path}: {e.read().decode()[:500]}") from None

    def call(self, method, path, body=None):
        return self._call(method, f"/session/{self.session}{path}", body)

    def cdp(self, command, **params):
        return self.call("POST", "/goog/cdp/execute", {"cmd": command, "params": params})

    def get(self, url):
        self.call("POST", "/url", {"url": url})

    def script(self, js, *args):
        return self.call("POST", "/execute/sync", {"script": js, "args": list(args)})

    def elements(self, css):
        found = self.call("POST", "/elements", {"using": "css selector", "value": css})
        return [e[ELEMENT] for e in found]

    def send_files(self, element, paths):
        self.call("POST", f"/element/{element}/value", {"text": "\n".join(os.path.abspath(p) for p in paths)})

    def click(self, element):
        self.call("POST", f"/element/{element}/click", {})

    def wait(self, js, timeout=600, step=0.2):
        """Polls `js` until it returns something truthy; that value."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            value = self.script(js)
            if value:
                return value
            time.sleep(step)
        raise TimeoutError(f"waited {timeout} s for: {js}")

    def screenshot(self, path, width, height=900):
        self.cdp("Emulation.setDeviceMetricsOverride", width=width, height=height,
                 deviceScaleFactor=1, mobile=width < 600)
        time.sleep(0.3)
        with open(path, "wb") as f:
            f.write(base64.b64decode(self.call("GET", "/screenshot")))

    def requests(self):
        """Every URL the page asked for since the last call (the page and
        its workers)."""
        urls = []
        for entry in self.call("POST", "/se/log", {"type": "performance"}):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                urls.append(message["params"]["request"]["url"])
        return urls

    def close(self):
        try:
            self._call("DELETE", f"/session/{self.session}")
        finally:
            self.driver.terminate()
            self.driver.wait()
            shutil.rmtree(self.profile, ignore_errors=True)


class Server:
    """`photoscrub web` on a free port, stopped on close."""

    def __init__(self, binary):
        port = free_port()
        self.process = subprocess.Popen([binary, "web", "--no-open", "--port", str(port)],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if "http://" not in line:
            self.process.kill()
            raise SystemExit(f"photoscrub web did not start: {line}{self.process.stderr.read()}")
        self.url = line[line.index("http://"):].strip()

    def close(self):
        self.process.terminate()
        self.process.wait()


class Recorder:
    """An HTTP proxy every request of the browser goes through (workers and
    service workers too, loopback included): it records each URL, passes
    those for `origin` on, and refuses everything else."""

    def __init__(self, origin):
        self.urls = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_CONNECT(self):
                recorder.urls.append("https://" + self.path)
                self.send_error(403)

            def do_GET(self):
                recorder.urls.append(self.path)
                if not self.path.startswith(origin + "/"):
                    self.send_error(403)
                    return
                direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
                try:
                    response = direct.open(urllib.request.Request(self.path, headers={"Host": self.headers["Host"]}))
                except urllib.error.HTTPError as e:
                    response = e
                body = response.read()
                self.send_response(response.status)
                for name, value in response.headers.items():
                    if name.lower() not in ("connection", "transfer-encoding"):
                        self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            do_HEAD = do_GET
            do_POST = do_GET

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
