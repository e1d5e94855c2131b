"""End to end: `streamlit run` the dashboard and load it in headless Chromium.

Needs Debian's `chromium` (`apt-get install -y chromium`); it fails, never skips, without it.
Screenshots go to data/screenshots/ (ignored by git) to look at.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from dashboard_pipeline import APP, ROOT
from websockets.sync.client import connect

SCREENSHOTS = ROOT / "data" / "screenshots"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--hide-scrollbars",
]
# Pages (url path) and what must be on them once the charts have rendered.
PAGES = {
    "": ("dashboard.png", "Spotify popularity"),
    "popularity": ("popularity.png", "Popularity over time"),
    "top_artists": ("top_artists.png", "Top artists"),
}


def chromium() -> str:
    found = (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if not found:
        pytest.fail(
            "Chromium is needed for the dashboard's end-to-end test and is not installed: "
            "run `apt-get update && apt-get install -y chromium` (Debian/Ubuntu), or set "
            "CHROMIUM to the browser's path."
        )
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def served_dashboard(sandbox_marts, tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    env.update(DATA_DIR=str(sandbox_marts.data_dir), PYTHONPATH=str(ROOT))
    # DUCKDB_PATH points at a file that does not exist: the dashboard must not need it.
    env["DUCKDB_PATH"] = str(tmp_path / "no-warehouse-here.duckdb")
    log = (tmp_path / "streamlit.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(APP),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
            "--client.toolbarMode",
            "viewer",
        ],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = url + "_stcore/health"
                with urllib.request.urlopen(health, timeout=2) as response:  # noqa: S310
                    if response.read() == b"ok":
                        break
            except OSError:
                pass
            assert process.poll() is None, (tmp_path / "streamlit.log").read_text()
            assert time.monotonic() < deadline, "streamlit did not start in 60 s"
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        assert not (tmp_path / "no-warehouse-here.duckdb").exists()


class Browser:
    """Headless Chromium driven over the DevTools protocol (websockets ships with Streamlit)."""

    def __init__(self, profile: Path) -> None:
        self.process = subprocess.Popen(
            [
                chromium(),
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                "--remote-debugging-port=0",
                "--window-size=1400,1000",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.is_file() and len(port_file.read_text().splitlines()) >= 2):
            assert self.process.poll() is None, "chromium exited at start"
            assert time.monotonic() < deadline, "chromium did not open its DevTools port"
            time.sleep(0.1)
        port = port_file.read_text().splitlines()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as answer:
            page = next(t for t in json.load(answer) if t["type"] == "page")
        self._stack = contextlib.ExitStack()
        self.socket = self._stack.enter_context(
            connect(page["webSocketDebuggerUrl"], max_size=None)
        )
        self.next_id = 0

    def call(self, method: str, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=60))
            if message.get("id") == self.next_id:
                assert "error" not in message, message
                return message["result"]

    def evaluate(self, expression: str):
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)[
            "result"
        ].get("value")

    def close(self) -> None:
        self._stack.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


# Drawn charts: Vega renders into a canvas (many points) or an SVG.
CHARTS_DRAWN = """
[...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
  .filter(c => c.querySelector('canvas, svg.marks')).length
"""
RUNNING = "!!document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"]')"
EXCEPTIONS = "document.querySelectorAll('[data-testid^=\"stException\"]').length"


@pytest.mark.e2e
def test_dashboard_renders_in_chromium(served_dashboard, tmp_path):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser = Browser(tmp_path / "profile")
    try:
        for path, (png, title) in PAGES.items():
            url = served_dashboard + path
            browser.call("Page.enable")
            browser.call("Page.navigate", url=url)
            deadline = time.monotonic() + 45
            while True:
                drawn = browser.evaluate(CHARTS_DRAWN) or 0
                if (drawn and not browser.evaluate(RUNNING)) or browser.evaluate(EXCEPTIONS):
                    break
                assert time.monotonic() < deadline, f"{url}: no chart drawn within 45 s"
                time.sleep(0.25)
            time.sleep(1.0)  # let the charts finish their layout before the screenshot
            dom = browser.evaluate("document.documentElement.outerHTML")
            assert browser.evaluate(EXCEPTIONS) == 0, f"{url} shows an exception"
            assert 'data-testid="stException' not in dom
            assert "Traceback" not in dom
            assert title in dom, f"{url} does not show {title!r}"
            assert browser.evaluate(CHARTS_DRAWN) >= 1

            shot = browser.call("Page.captureScreenshot", format="png")["data"]
            target = SCREENSHOTS / png
            target.write_bytes(base64.b64decode(shot))
            assert target.stat().st_size > 30_000, f"{target} looks blank"
    finally:
        browser.close()
