"""Each fault kind is produced as configured, on request numbers or at a seeded rate."""

from __future__ import annotations

import http.client
import json
import time
from urllib.parse import urlsplit

import pytest
import requests
from sandbox_helpers import AS_OF, DUA_LIPA, Client

from ingestion.sandbox import Fault, FaultPlan, SandboxServer

ARTIST = f"artists/{DUA_LIPA}"


def _serve(*faults: Fault, seed: int = 0) -> SandboxServer:
    return SandboxServer(as_of=AS_OF, faults=FaultPlan.of(*faults, seed=seed))


def _raw_get(server: SandboxServer, token: str, path: str) -> tuple[int, dict, bytes]:
    """http.client, so a truncated body is seen as sent (requests would raise)."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    conn.request("GET", f"/v1/{path}", headers={"Authorization": f"Bearer {token}"})
    answer = conn.getresponse()
    body = answer.read()
    conn.close()
    return answer.status, dict(answer.getheaders()), body


def test_rate_limit_on_given_requests_with_retry_after_and_quota_reason():
    with _serve(Fault("rate_limit", on_requests=(2,), retry_after=7, quota=True)) as server:
        client = Client(server)
        statuses = [client.get(ARTIST) for _ in range(3)]
        assert [a.status_code for a in statuses] == [200, 429, 200]
        limited = statuses[1]
        assert limited.headers["Retry-After"] == "7"
        assert limited.headers["X-Sandbox"] == "1"
        assert limited.json() == {
            "error": {"status": 429, "message": "Too many requests", "reason": "QUOTA_EXCEEDED"}
        }
        # Token requests are not numbered: a new token does not shift the plan.
        assert server.request_counts == {"token": 1, "artist": 3}


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors(status):
    with _serve(Fault("server_error", on_requests=(1,), status=status)) as server:
        client = Client(server)
        first, second = client.get(ARTIST), client.get(ARTIST)
        assert first.status_code == status
        assert first.json()["error"]["status"] == status
        assert second.status_code == 200


def test_latency_delays_but_answers():
    with _serve(Fault("latency", on_requests=(1,), delay=0.3)) as server:
        client = Client(server)
        started = time.monotonic()
        assert client.get(ARTIST).status_code == 200
        slow = time.monotonic() - started
        assert client.get(ARTIST).status_code == 200
        assert slow >= 0.3
        assert server.fault_counts == {"latency": 1}  # the first request only


def test_dropped_connection():
    with _serve(Fault("drop", on_requests=(1,))) as server:
        client = Client(server)
        with pytest.raises(requests.ConnectionError):
            client.get(ARTIST)
        assert client.get(ARTIST).status_code == 200


def test_malformed_json():
    with _serve(Fault("malformed", on_requests=(1,))) as server:
        client = Client(server)
        answer = client.get(ARTIST)
        assert answer.status_code == 200
        with pytest.raises(requests.JSONDecodeError):
            answer.json()


def test_truncated_json_has_a_matching_content_length():
    with _serve(Fault("truncated", on_requests=(1,))) as server:
        token = Client(server).token
        status, headers, body = _raw_get(server, token, ARTIST)
        assert status == 200
        assert int(headers["Content-Length"]) == len(body)
        _, _, full = _raw_get(server, token, ARTIST)
        assert full.startswith(body)
        assert len(body) < len(full)
        with pytest.raises(json.JSONDecodeError):
            json.loads(body)
        json.loads(full)


def test_early_token_expiry_invalidates_the_token():
    with _serve(Fault("expire_token", on_requests=(2,))) as server:
        client = Client(server)
        assert client.get(ARTIST).status_code == 200
        assert client.get(ARTIST).status_code == 401
        assert client.get(ARTIST).status_code == 401  # the token stays expired
        client.token = client.new_token()
        assert client.get(ARTIST).status_code == 200


def test_endpoint_restriction_numbers_only_matching_requests():
    fault = Fault("server_error", on_requests=(2,), endpoints=("artist_albums",), status=500)
    with _serve(fault) as server:
        client = Client(server)
        assert client.get(ARTIST).status_code == 200
        albums = f"{ARTIST}/albums"
        assert [client.get(albums).status_code for _ in range(3)] == [200, 500, 200]
        assert client.get(ARTIST).status_code == 200
        assert server.fault_counts == {"server_error": 1}


def _statuses(seed: int) -> list[int]:
    with _serve(Fault("server_error", rate=0.3, status=503), seed=seed) as server:
        client = Client(server)
        return [client.get(ARTIST).status_code for _ in range(40)]


def test_rate_faults_are_reproducible():
    first, again, other = _statuses(1), _statuses(1), _statuses(2)
    assert first == again
    assert first != other
    assert 4 <= first.count(503) <= 20


def test_request_counts_per_endpoint_and_reset(ext, sample):
    server = ext.server
    server.reset_counts()
    ext.get(ARTIST)
    ext.get(f"{ARTIST}/albums")
    ext.get(f"albums/{sample['album']}/tracks")
    ext.get("search", {"q": "x", "type": "track"})
    assert server.request_counts == {
        "artist": 1,
        "artist_albums": 1,
        "album_tracks": 1,
        "search": 1,
    }
    server.reset_counts()
    assert server.request_counts == {}


def test_unknown_fault_kinds_are_rejected():
    with pytest.raises(ValueError, match="unknown fault kind"):
        Fault("meteor")
    with pytest.raises(ValueError, match="status must be"):
        Fault("server_error", status=504)


def test_stop_closes_the_server():
    server = SandboxServer(as_of=AS_OF).start()
    url = server.token_url
    assert urlsplit(url).port == server.port
    server.stop()
    with pytest.raises(requests.ConnectionError):
        requests.post(url, auth=("a", "b"), data={"grant_type": "client_credentials"}, timeout=2)
