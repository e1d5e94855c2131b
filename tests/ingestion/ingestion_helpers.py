"""Test helpers: the expected request counts, computed straight from the sandbox, and a
forwarding proxy that makes the sandbox look like the real API (or corrupts its answers).

Nothing here imports the client: the expectations must not come from the code under test.
"""

from __future__ import annotations

import gzip
import json
import math
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests

from ingestion.raw_writer import RAW_SUFFIX
from ingestion.settings import Settings

# A distinctive secret: any occurrence in a log, file, summary or exception is a leak.
SECRET = "Zq7-SECRET-do-not-leak-4f1e9c"
CLIENT_ID = "test-client-id"
DAY = "2026-11-20"  # a past day: also proves an external sandbox (X-Sandbox: 1) allows it


def settings_for(server, **overrides) -> Settings:
    values = {
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "api_base_url": server.api_base_url,
        "token_url": server.token_url,
        "backoff_base": 0.01,
        "request_timeout": 2.0,
        "max_attempts": 4,
        "requests_per_30s": 100_000,
        "max_workers": 4,
    }
    values.update(overrides)
    return Settings(**values)


def write_roster(path: Path, artists) -> Path:
    lines = ["artists:"] + [f"  - {{name: {name!r}, id: {aid!r}}}" for name, aid in artists]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def raw_files(data_dir: Path) -> dict[str, bytes]:
    """Every file under data_dir/raw (temporary files included, to catch leftovers), gzip
    files decompressed (so a secret in them is seen)."""
    root = Path(data_dir)
    return {
        str(p.relative_to(root)): gzip.decompress(p.read_bytes())
        if p.name.endswith(".gz")
        else p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def csv_files(data_dir: Path) -> dict[str, bytes]:
    return {k: v for k, v in raw_files(data_dir).items() if k.endswith(RAW_SUFFIX)}


HEADERS = {"Authorization": "Bearer test"}


def _token(server) -> dict[str, str]:
    answer = requests.post(
        server.token_url, data={"grant_type": "client_credentials"}, auth=("a", "b"), timeout=10
    )
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _get(server, headers, path, day, **params) -> dict:
    url = path if path.startswith("http") else server.api_base_url + path
    answer = requests.get(
        url, params=params or None, headers={**headers, "X-Sandbox-Date": day}, timeout=10
    )
    answer.raise_for_status()
    return answer.json()


def expected_requests(server, artist_ids: list[str], day: str, tier: str) -> dict[str, int]:
    """The minimum requests of a run, per endpoint, from the sandbox's own answers (then the
    server's counters are reset so the run under test starts from zero)."""
    headers = _token(server)
    known = []
    counts = {"token": 1}
    if tier == "extended":
        counts["artists"] = math.ceil(len(artist_ids) / 50)
        for i in range(0, len(artist_ids), 50):
            chunk = artist_ids[i : i + 50]
            got = _get(server, headers, "artists", day, ids=",".join(chunk))["artists"]
            known += [a["id"] for a in got if a]
    else:
        counts["artist"] = len(artist_ids)
        for artist_id in artist_ids:
            answer = requests.get(
                server.api_base_url + f"artists/{artist_id}",
                headers={**headers, "X-Sandbox-Date": day},
                timeout=10,
            )
            if answer.status_code == 200:
                known.append(artist_id)
    names = {}
    album_pages = 0
    for artist_id in known:
        names[artist_id] = _get(server, headers, f"artists/{artist_id}", day)["name"]
        total = _get(server, headers, f"artists/{artist_id}/albums", day, limit=1)["total"]
        album_pages += max(1, math.ceil(total / 10))
    counts["artist_albums"] = album_pages
    top_albums: set[str] = set()
    if tier == "extended":
        counts["artist_top_tracks"] = len(known)
        for artist_id in known:
            tracks = _get(server, headers, f"artists/{artist_id}/top-tracks", day, market="US")
            top_albums |= {t["album"]["id"] for t in tracks["tracks"][:10]}
        counts["albums"] = math.ceil(len(top_albums) / 20)
    else:
        pages = 0
        for artist_id in known:
            found: list[str] = []
            page = _get(
                server,
                headers,
                "search",
                day,
                q=f'artist:"{names[artist_id]}"',
                type="track",
                limit=10,
            )["tracks"]
            pages += 1
            while True:
                for track in page["items"]:
                    if artist_id in [a["id"] for a in track["artists"]] and len(found) < 10:
                        found.append(track["id"])
                        top_albums.add(track["album"]["id"])
                if len(found) >= 10 or not page["next"]:
                    break
                page = _get(server, headers, page["next"], day)["tracks"]
                pages += 1
        counts["search"] = pages
        counts["album"] = len(top_albums)
    server.reset_counts()
    return {k: v for k, v in counts.items() if v}


class Proxy:
    """A real HTTP server forwarding to the sandbox.

    It drops the `X-Sandbox` header (so the client believes it talks to Spotify) and passes
    JSON bodies through `transform(path, body) -> body` to corrupt them on purpose.
    """

    def __init__(self, server, transform: Callable[[str, Any], Any] | None = None) -> None:
        self.target = server.api_base_url.rsplit("/v1/", 1)[0]
        self.transform = transform
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output quiet
                pass

            def _forward(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in ("host", "content-length")
                }
                answer = requests.request(
                    method, proxy.target + self.path, data=body, headers=headers, timeout=30
                )
                payload = answer.content
                if proxy.transform and answer.headers.get("Content-Type", "").startswith(
                    "application/json"
                ):
                    payload = json.dumps(proxy.transform(self.path, answer.json())).encode()
                self.send_response(answer.status_code)
                for key, value in answer.headers.items():
                    if key.lower() in ("content-type", "retry-after"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):
                self._forward("GET")

            def do_POST(self):
                self._forward("POST")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        port = self.httpd.server_address[1]
        self.api_base_url = f"http://127.0.0.1:{port}/v1/"
        self.token_url = f"http://127.0.0.1:{port}/api/token"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Proxy:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
