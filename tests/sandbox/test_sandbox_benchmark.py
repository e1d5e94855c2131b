"""Throughput on loopback: printed (run with -s to see it), never asserted on timing."""

from __future__ import annotations

from sandbox_helpers import AS_OF

from ingestion.sandbox import SandboxServer
from ingestion.sandbox.bench import measure


def test_sandbox_benchmark_prints_requests_per_second():
    with SandboxServer(as_of=AS_OF) as server:
        rate = measure(server, requests_total=2000, threads=4)
        counts = server.request_counts
    print(f"\nsandbox benchmark: {rate:,.0f} requests/second")
    assert sum(counts.values()) == 2000 + 1  # every request was served, plus the token
