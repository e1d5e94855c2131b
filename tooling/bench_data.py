"""Raw days for `make bench`, from the sandbox's simulated catalogue, without HTTP.

The real extraction writes them: `ingestion.extract.extract_day` (Spotify's day) and
`ingestion.open_signals.extract_open_signals` (Deezer's and Last.fm's days), unchanged, through
the real raw writer (staged files, then `publish_day`: whole days, listed with their checksums).
Only the wire differs. Their requests go to the reserved host `sandbox.invalid`, and this
module's `SandboxWire` (a requests transport adapter) answers them in the same process with a
`SandboxServer`'s own request handling (routing, tier, tokens, counts, cached bodies): no
socket, no HTTP parsing, no rate limit. A day costs what building its objects and writing its
files costs, so days are generated in parallel processes, one catalogue each.

Each day's run summaries keep the requests the extraction made, per endpoint: the bench reads
them for the requests a day needs (`requests_per_day`).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests
from requests.structures import CaseInsensitiveDict

from ingestion.raw_writer import published_files, read_summary, summary_path
from ingestion.settings import OPEN_SIGNAL_SOURCES, Settings

WIRE = "http://sandbox.invalid"  # RFC 2606: never resolves, so nothing can leave the process
SOURCES = (None, *OPEN_SIGNAL_SOURCES)  # Spotify's day, then each open-signal source's
UNLIMITED = 10**9


def wire_settings(tier: str) -> Settings:
    """Settings of a run over the wire: any credentials (the sandbox takes any), every client's
    limiter out of the way, one worker thread (threads only add switching in one process)."""
    return Settings(
        client_id="bench",
        client_secret="bench",  # noqa: S106 - the sandbox accepts anything
        access_tier=tier,
        api_base_url=f"{WIRE}/v1/",
        token_url=f"{WIRE}/api/token",
        requests_per_30s=UNLIMITED,
        max_workers=1,
        open_signals="deezer,lastfm",
        deezer_api_base_url=f"{WIRE}/deezer/",
        lastfm_api_base_url=f"{WIRE}/lastfm/2.0/",
        lastfm_api_key="bench",
        deezer_requests_per_5s=UNLIMITED,
        lastfm_requests_per_second=UNLIMITED,
    )


class SandboxWire:
    """Answers requests to `WIRE` with a (not started) SandboxServer's request handling."""

    def __init__(self, server: Any) -> None:
        self.server = server

    def answer(self, url: str, headers: CaseInsensitiveDict) -> tuple[int, bytes]:
        from ingestion.sandbox.server import _json, _open_signal_route, _route

        server = self.server
        split = urlsplit(url)
        parts = split.path.strip("/").split("/")
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        headers["Host"] = split.netloc  # paging links come back to the wire
        handler = SimpleNamespace(headers=headers, path=url[len(WIRE) :])
        if split.path == "/api/token":
            server.count("token")
            return 200, _json(server.issue_token())
        if parts[0] in ("deezer", "lastfm"):
            endpoint = _open_signal_route(parts, query) or f"{parts[0]}_other"
            server.count(endpoint)
            return server.answer_open_signal(endpoint, parts, handler, query)
        endpoint, args = _route(parts[1:]) or ("unknown", ())
        server.count(endpoint)
        return server.answer(endpoint, args, handler, query)

    def request(self, method: str, url: str, params: Any, headers: Any) -> requests.Response:
        """What `requests.Session.request` returns, less what cannot apply in-process
        (proxies from the environment, .netrc, cookies, redirects): most of its cost."""
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params, doseq=True)
        status, body = self.answer(url, CaseInsensitiveDict(headers or {}))
        response = requests.Response()
        response.status_code, response._content, response.url = status, body, url
        response.headers = CaseInsensitiveDict(
            {"Content-Type": "application/json; charset=utf-8", "X-Sandbox": "1"}
        )
        response.encoding = "utf-8"
        return response


_WORKER: dict[str, Any] = {}


def _start_worker(tier: str, extra_artists: int) -> None:
    """Per generating process: one catalogue, and every requests session's requests to `WIRE`
    answered by it (the clients make their own sessions; only this process is changed)."""
    from ingestion.sandbox.server import SandboxServer

    # No quota: a window of a millisecond keeps the sandbox's quota bookkeeping empty.
    unlimited = (UNLIMITED, 0.001)
    server = SandboxServer(
        tier=tier, extra_artists=extra_artists, deezer_quota=unlimited, lastfm_quota=unlimited
    )
    wire = SandboxWire(server)
    default = requests.Session.request

    def request(session, method, url, params=None, data=None, headers=None, **kwargs):
        if str(url).startswith(WIRE):
            return wire.request(method, url, params, headers)
        return default(session, method, url, params=params, data=data, headers=headers, **kwargs)

    requests.Session.request = request  # type: ignore[method-assign]
    logging.getLogger("ingestion").setLevel(logging.ERROR)  # a line per day is noise here
    _WORKER.update(tier=tier, settings=wire_settings(tier))


def _generate_day(job: tuple[str, str, str | None]) -> dict[str, int]:
    """One day: Spotify's, then Deezer's and Last.fm's (each skipped when already published).
    Returns the requests each made, per source and endpoint."""
    from ingestion.extract import extract_day
    from ingestion.open_signals import extract_open_signals

    day, folder, roster = job
    settings = _WORKER["settings"]
    if not summary_path(Path(folder), day).exists():
        extract_day(
            day, artists_file=roster, data_dir=folder, settings=settings, allow_past_date=True
        )
    for source in OPEN_SIGNAL_SOURCES:
        if not summary_path(Path(folder), day, source).exists():
            extract_open_signals(day, source=source, data_dir=folder, settings=settings)
    return {"day": day}


def generate(
    folder: Path,
    days: Iterable[date],
    *,
    roster: Path | None = None,
    extra_artists: int = 0,
    tier: str = "extended",
    workers: int = 2,
) -> float:
    """Publish every missing day of `days` (all three sources) into `folder`; the seconds it
    took. `extra_artists`: the catalogue's generated artists beyond the default roster (the
    roster file names the ones tracked)."""
    started = time.perf_counter()
    jobs = [
        (d.isoformat(), str(folder), str(roster) if roster else None)
        for d in days
        if not all(summary_path(folder, d.isoformat(), s).exists() for s in SOURCES)
    ]
    if jobs:
        with ProcessPoolExecutor(
            min(workers, len(jobs)), initializer=_start_worker, initargs=(tier, extra_artists)
        ) as pool:
            list(pool.map(_generate_day, jobs))
    return time.perf_counter() - started


def write_roster(path: Path, artists: int) -> tuple[Path, int]:
    """A roster of `artists` artists: the default roster's 11 first, then the catalogue's
    generated ones; returns (path, the catalogue's extra artists to generate)."""
    from ingestion.sandbox.catalogue import ROSTER, Catalogue

    extra = max(0, artists - len(ROSTER))
    catalogue = Catalogue(extra_artists=extra)
    ids = [r.id for r in ROSTER][:artists] + list(catalogue.generated_artist_ids)
    lines = ["artists:"] + [
        f"  - {{name: {json.dumps(catalogue.artists[a].name)}, id: {a!r}}}" for a in ids
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, extra


def day_files(folder: Path, day: str) -> list[Path]:
    """Every published file of the day, all sources, the run summaries last (they publish)."""
    files, summaries = [], []
    for source in SOURCES:
        summary = read_summary(folder, day, source)
        if summary is None:
            continue
        files += [folder / "raw" / f["path"] for f in published_files(summary).values()]
        summaries.append(summary_path(folder, day, source))
    return files + summaries


def requests_per_day(folder: Path, day: str) -> dict[str, dict[str, int]]:
    """{source: {endpoint: requests}} the extraction of the day made (from its summaries)."""
    found = {}
    for source in SOURCES:
        summary = read_summary(folder, day, source) or {}
        found[source or "spotify"] = dict(summary.get("requests") or {})
    return found
