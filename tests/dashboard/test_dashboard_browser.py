"""End to end: `streamlit run` the dashboard and load it in headless Chromium.

Needs Debian's `chromium` (`apt-get install -y chromium`); it fails, never skips, without it.
Opens every page; fails on a Streamlit exception or a chart with nothing drawn in it. One
screenshot per page goes to the test's tmp dir (`<tmp>/screenshots/<page>.png`, printed at the
end) to look at.
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

import duckdb
import pytest
from dashboard_pipeline import APP, ROOT
from websockets.sync.client import connect

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--hide-scrollbars",
]
# Pages (url path): what must be on them, and how many charts (each with marks drawn).
PAGES = {
    "": ("overview", "Spotify popularity", 1),
    "popularity": ("popularity", "Popularity over time", 1),
    "artists": ("artists", "Artists over time", 2),
    "top_artists": ("top_artists", "Top artists", 2),
    "top_tracks": ("top_tracks", "Top tracks", 1),
    "release_trend": ("release_trend", "By release month", 2),
    "albums": ("albums", "Albums vs their tracks", 1),
    "artist_insights": ("artist_insights", "Artist insights", 0),
    # Nine charts, six in tabs not shown: the first tab's track and artist charts, the match rate.
    "across_platforms": ("across_platforms", "Across platforms", 3),
    "catalogue": ("catalogue", "Catalogue", 0),
    "pipeline_health": ("pipeline_health", "Pipeline health", 1),
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

    def painted(self) -> None:
        """Return once the page has painted two more frames."""
        self.call("Runtime.evaluate", expression=NEXT_FRAMES, awaitPromise=True)

    def settled(self, expression: str, what: str, rounds: int = 500):
        """The value of `expression` once two painted frames left it as it was (a layout
        change, a resize, a chart drawn again, is over); bounded in frames, not seconds."""
        before = self.evaluate(expression)
        for _ in range(rounds):
            self.painted()
            if (now := self.evaluate(expression)) == before:
                return now
            before = now
        raise AssertionError(f"{what} still changing after {rounds} rounds of two frames")

    def close(self) -> None:
        self._stack.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def check_every_artist_named(browser: Browser, built) -> None:
    """Both legends of Artists over time name every tracked artist (the 11th was missing),
    at 1400 and 1920 px wide."""
    con = duckdb.connect(":memory:")
    names = con.execute(
        "select distinct artist_name from read_parquet(?) order by 1",
        [str(built.marts / "artist_popularity_daily.parquet")],
    ).fetchall()
    expected = [[name for (name,) in names]] * 2
    assert len(expected[0]) >= 11
    for width in (1400, 1920):
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=1000,
            deviceScaleFactor=1,
            mobile=False,
        )
        deadline = time.monotonic() + 30
        while (legends := browser.evaluate(LEGENDS)) != expected:
            assert time.monotonic() < deadline, f"{width} px: legends {legends}, not {expected}"
            time.sleep(0.2)
    browser.call("Emulation.clearDeviceMetricsOverride")


# Per chart, how many data marks it draws: Vega renders into an SVG (count the items of the
# groups with role "mark": bars, points, lines; not axes, grid, legends or the background) or
# a canvas (count the coloured pixels: axes, grid and text are grey). 0 = an empty chart. Only
# the charts shown: those in a tab not chosen are drawn when it is.
CHART_MARKS = """
[...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
.filter(chart => chart.offsetParent !== null).map(chart => {
  const svg = chart.querySelector('svg.marks');
  if (svg) return svg.querySelectorAll('g.role-mark:not(.mark-group) path').length;
  const canvas = chart.querySelector('canvas');
  if (!canvas || !canvas.width || !canvas.height) return 0;
  const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i + 3] > 0 && Math.max(d[i], d[i + 1], d[i + 2])
        - Math.min(d[i], d[i + 1], d[i + 2]) > 60) n++;
  }
  return n;
})
"""
# What a screenshot shows: the charts' marks and the page's size.
LAYOUT = f"JSON.stringify([{CHART_MARKS.strip()}, document.documentElement.scrollHeight])"
NEXT_FRAMES = "new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
# Per chart, the names its legend shows (the charts with a legend are drawn in SVG): those
# inside the drawing, not clipped below it.
LEGENDS = """
[...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].map(chart => {
  const svg = chart.querySelector('svg.marks');
  if (!svg) return [];
  const box = svg.getBoundingClientRect();
  return [...svg.querySelectorAll('g.role-legend-label text')].filter(text => {
    const r = text.getBoundingClientRect();
    return r.height > 0 && r.top >= box.top && r.bottom <= box.bottom && r.right <= box.right;
  }).map(text => text.textContent);
})
"""
RUNNING = "!!document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"]')"
EXCEPTIONS = "document.querySelectorAll('[data-testid^=\"stException\"]').length"
TABLES = "document.querySelectorAll('[data-testid=\"stDataFrame\"]').length"


@pytest.mark.e2e
def test_every_page_renders_in_chromium(served_dashboard, sandbox_marts, tmp_path):
    screenshots = tmp_path / "screenshots"
    screenshots.mkdir()
    browser = Browser(tmp_path / "profile")
    try:
        browser.call("Page.enable")
        for path, (name, title, chart_count) in PAGES.items():
            url = served_dashboard + path
            browser.call("Page.navigate", url=url)
            # Generous: the machine may be shared; a page normally settles in a few seconds.
            deadline = time.monotonic() + 120
            while True:
                time.sleep(0.5)
                marks = browser.evaluate(CHART_MARKS) or []
                ready = browser.evaluate(f"document.body.innerText.includes({title!r})")
                drawn = len(marks) >= chart_count and all(marks)
                # A page of tables only is ready once its first table is drawn.
                drawn = drawn and bool(chart_count or browser.evaluate(TABLES))
                if browser.evaluate(EXCEPTIONS) or (
                    ready and drawn and not browser.evaluate(RUNNING)
                ):
                    break
                assert time.monotonic() < deadline, (
                    f"{url}: {len(marks)} chart(s) drawn of {chart_count}, marks {marks}"
                )
            browser.settled(LAYOUT, f"{url}: the layout")  # before the checks and screenshot
            dom = browser.evaluate("document.documentElement.outerHTML")
            assert browser.evaluate(EXCEPTIONS) == 0, f"{url} shows an exception"
            assert 'data-testid="stException' not in dom
            assert "Traceback" not in dom
            marks = browser.evaluate(CHART_MARKS)
            assert len(marks) == chart_count, f"{url}: {len(marks)} charts, {chart_count} expected"
            assert all(marks), f"{url}: an empty chart (coloured pixels per chart: {marks})"
            if not chart_count:
                assert browser.evaluate(TABLES) >= 1, f"{url} shows no table"

            if name == "artists":
                check_every_artist_named(browser, sandbox_marts)

            # The whole page, not only the first screen.
            height = browser.evaluate(
                "Math.max(...[...document.querySelectorAll('section, div')]"
                ".map(e => e.scrollHeight))"
            )
            browser.call(
                "Emulation.setDeviceMetricsOverride",
                width=1400,
                height=min(int(height or 1000), 6000),
                deviceScaleFactor=1,
                mobile=False,
            )
            browser.settled(LAYOUT, f"{url}: the layout at full height")
            shot = browser.call("Page.captureScreenshot", format="png")["data"]
            browser.call("Emulation.clearDeviceMetricsOverride")
            target = screenshots / f"{name}.png"
            target.write_bytes(base64.b64decode(shot))
            assert target.stat().st_size > 30_000, f"{target} looks blank"
        print(f"screenshots: {screenshots}")
    finally:
        browser.close()
