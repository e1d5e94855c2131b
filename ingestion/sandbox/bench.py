"""`python -m ingestion.sandbox.bench`: requests per second a sandbox serves on loopback.

Keep-alive connections (http.client), one per thread, a mix of the endpoints an extraction
uses. Prints the figure; asserts nothing about it.
"""

from __future__ import annotations

import argparse
import http.client
import json
import threading
import time
from datetime import date

from ingestion.sandbox.server import SandboxServer


def _paths(server: SandboxServer) -> list[str]:
    roster = [artist_id for _, artist_id in server.roster]
    paths = []
    for artist_id in roster:
        paths += [
            f"/v1/artists/{artist_id}",
            f"/v1/artists/{artist_id}/albums?limit=10&include_groups=album,single",
            f"/v1/artists/{artist_id}/top-tracks",
        ]
    return paths


def measure(server: SandboxServer, requests_total: int = 3000, threads: int = 4) -> float:
    """Requests per second over `threads` keep-alive connections."""
    conn = http.client.HTTPConnection(server.host, server.port)
    conn.request(
        "POST",
        "/api/token",
        body="grant_type=client_credentials&client_id=bench&client_secret=bench",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    token = json.loads(conn.getresponse().read())["access_token"]
    conn.close()
    paths = _paths(server)
    per_thread = requests_total // threads
    errors: list[str] = []

    def worker(offset: int) -> None:
        c = http.client.HTTPConnection(server.host, server.port, timeout=10)
        headers = {"Authorization": f"Bearer {token}"}
        for i in range(per_thread):
            c.request("GET", paths[(offset + i) % len(paths)], headers=headers)
            answer = c.getresponse()
            answer.read()
            if answer.status != 200:
                errors.append(f"{answer.status}")
        c.close()

    workers = [threading.Thread(target=worker, args=(t * 7,)) for t in range(threads)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{len(errors)} requests failed, e.g. HTTP {errors[0]}")
    return per_thread * threads / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--tier", default="extended")
    args = parser.parse_args(argv)
    with SandboxServer(tier=args.tier, as_of=date(2026, 11, 25)) as server:
        rate = measure(server, args.requests, args.threads)
    print(
        f"sandbox: {rate:,.0f} requests/second ({args.requests} requests, {args.threads} threads)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
