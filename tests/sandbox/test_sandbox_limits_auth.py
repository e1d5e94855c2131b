"""Documented limits (400), authentication (401), unknown ids (404) and paging, over HTTP."""

from __future__ import annotations

import time

import pytest
import requests
from sandbox_helpers import AS_OF, DUA_LIPA, Client

from ingestion.sandbox import SandboxServer
from ingestion.sandbox.catalogue import ROSTER
from ingestion.sandbox.ids import spotify_id


def _error(answer, status: int, message: str | None = None) -> None:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["error"]["status"] == status
    if message is not None:
        assert body["error"]["message"] == message


@pytest.mark.parametrize(("endpoint", "maximum"), [("artists", 50), ("albums", 20), ("tracks", 50)])
def test_batch_endpoints_take_at_most_their_documented_ids(ext, sample, endpoint, maximum):
    pool = {"artists": [r.id for r in ROSTER], "albums": sample["album_ids"]}.get(
        endpoint, sample["track_ids"]
    )
    ids = (pool * 60)[:maximum]
    answer = ext.get(endpoint, {"ids": ",".join(ids)})
    assert answer.status_code == 200
    assert len(answer.json()[endpoint]) == maximum
    _error(ext.get(endpoint, {"ids": ",".join((pool * 60)[: maximum + 1])}), 400)


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        (f"artists/{DUA_LIPA}/albums", {"limit": 11}, "Invalid limit"),
        (f"artists/{DUA_LIPA}/albums", {"limit": 0}, "Invalid limit"),
        (f"artists/{DUA_LIPA}/albums", {"limit": "ten"}, "Invalid limit"),
        (f"artists/{DUA_LIPA}/albums", {"offset": -1}, "Invalid offset"),
        ("search", {"q": "a", "type": "track", "limit": 11}, "Invalid limit"),
        ("search", {"q": "a", "type": "artist", "limit": 20}, "Invalid limit"),
        ("search", {"q": "a", "type": "track", "offset": 1001}, "Invalid offset"),
        ("search", {"q": "a", "type": "podcast"}, None),
        ("search", {"type": "track"}, None),
        (f"artists/{DUA_LIPA}/albums", {"include_groups": "album,bootleg"}, None),
        ("artists/not-an-id", {}, "invalid id"),
        ("artists", {"ids": f"{DUA_LIPA},short"}, "invalid id"),
        ("tracks/abc", {}, "invalid id"),
    ],
)
def test_bad_parameters_get_400_with_spotify_error_body(ext, path, params, message):
    _error(ext.get(path, params), 400, message)


def test_limits_at_their_maximum_are_accepted(ext, sample):
    assert len(ext.ok(f"artists/{DUA_LIPA}/albums", {"limit": 10})["items"]) == 10
    assert len(ext.ok("search", {"q": "a", "type": "track", "limit": 10})["tracks"]["items"]) == 10
    _error(ext.get(f"albums/{sample['album']}/tracks", {"limit": 51}), 400, "Invalid limit")


def test_unknown_ids_get_404_and_null_in_batches(ext, sample):
    unknown = spotify_id("nobody")
    for path in (f"artists/{unknown}", f"albums/{unknown}", f"tracks/{unknown}"):
        _error(ext.get(path), 404)
    _error(ext.get(f"artists/{unknown}/albums"), 404)
    _error(ext.get(f"artists/{unknown}/top-tracks"), 404)
    _error(ext.get(f"albums/{unknown}/tracks"), 404)
    answer = ext.ok("tracks", {"ids": f"{sample['track']},{unknown}"})
    assert answer["tracks"][0]["id"] == sample["track"]
    assert answer["tracks"][1] is None


ENDPOINT_PATHS = [
    (f"artists/{DUA_LIPA}", {}),
    ("artists", {"ids": DUA_LIPA}),
    (f"artists/{DUA_LIPA}/albums", {"limit": 10}),
    (f"artists/{DUA_LIPA}/top-tracks", {}),
    ("albums", {"ids": DUA_LIPA}),
    ("tracks", {"ids": DUA_LIPA}),
    ("search", {"q": "Oasis", "type": "track"}),
]


@pytest.mark.parametrize("tier", ["extended", "development"])
def test_missing_or_invalid_token_gets_401_on_every_endpoint(ext, dev, sample, tier):
    client = ext if tier == "extended" else dev
    paths = [
        *ENDPOINT_PATHS,
        (f"albums/{sample['album']}", {}),
        (f"albums/{sample['album']}/tracks", {}),
        (f"tracks/{sample['track']}", {}),
        *[(f"playlists/5dIdB7pSaQEfQeePzeGVTN{sub}", {}) for sub in ("", "/items", "/tracks")],
    ]
    for path, params in paths:
        _error(client.get(path, params, token=None), 401, "No token provided")
        _error(client.get(path, params, token="not-a-token"), 401, "Invalid access token")


def test_tokens_expire_after_their_lifetime():
    with SandboxServer(as_of=AS_OF, token_lifetime=0.3) as server:
        client = Client(server)
        assert client.get(f"artists/{DUA_LIPA}").status_code == 200
        time.sleep(0.4)
        _error(client.get(f"artists/{DUA_LIPA}"), 401, "The access token expired")
        client.token = client.new_token()
        assert client.get(f"artists/{DUA_LIPA}").status_code == 200


def test_token_endpoint_needs_client_credentials(extended):
    url = extended.token_url
    grant = {"grant_type": "client_credentials"}
    answer = requests.post(url, auth=("id", "secret"), data=grant, timeout=5)
    assert answer.status_code == 200
    assert answer.json()["token_type"] == "Bearer"
    assert answer.json()["expires_in"] == 3600
    assert requests.post(url, data=grant, timeout=5).status_code == 400
    assert requests.post(url, auth=("id", ""), data=grant, timeout=5).status_code == 400
    assert requests.post(url, auth=("", "secret"), data=grant, timeout=5).status_code == 400
    wrong = requests.post(url, auth=("id", "s"), data={"grant_type": "password"}, timeout=5)
    assert wrong.status_code == 400
    assert answer.headers["X-Sandbox"] == "1"


def test_walking_next_links_visits_every_album_once(ext):
    params = {"limit": 10, "include_groups": "album,single,compilation,appears_on"}
    first = ext.ok(f"artists/{DUA_LIPA}/albums", params)
    page, seen, pages = first, [], 0
    while True:
        pages += 1
        seen += [a["id"] for a in page["items"]]
        assert page["next"] is None or page["next"].startswith(ext.server.api_base_url)
        if page["next"] is None:
            break
        page = ext.ok(page["next"])
        assert page["previous"] is not None
    assert len(seen) == len(set(seen)) == first["total"]
    assert pages == -(-first["total"] // 10) > 1
    assert first["previous"] is None


def test_include_groups_filters_album_groups(ext):
    page = ext.ok(f"artists/{DUA_LIPA}/albums", {"limit": 10, "include_groups": "single"})
    assert page["items"]
    assert {a["album_group"] for a in page["items"]} == {"single"}
    assert "include_groups=single" in (page["next"] or page["href"])


def test_album_tracks_pages(ext, sample):
    album = ext.ok(f"albums/{sample['album']}")
    total = album["tracks"]["total"]
    page = ext.ok(f"albums/{sample['album']}/tracks", {"limit": 1, "offset": 1})
    assert page["total"] == total
    assert page["items"][0]["id"] == album["tracks"]["items"][1]["id"]
    assert (page["next"] is not None) == (total > 2)
