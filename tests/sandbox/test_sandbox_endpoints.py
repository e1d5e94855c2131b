"""Every endpoint's answer validates against the fixed OpenAPI contract, on both tiers, and the
development tier hides what Spotify stopped giving Development Mode apps in February 2026."""

from __future__ import annotations

import pytest
import sandbox_schema as schema
from sandbox_helpers import DUA_LIPA

from ingestion.sandbox.catalogue import ROSTER
from ingestion.sandbox.ids import is_valid_id

PICKS = "5dIdB7pSaQEfQeePzeGVTN"
HIDDEN = {"popularity", "followers", "label", "album_group", "available_markets", "linked_from"}


def _cases(sample: dict) -> list[tuple[str, str, dict]]:
    """(spec path, request path, params) of every endpoint the sandbox serves."""
    roster_ids = ",".join(r.id for r in ROSTER)
    return [
        ("/artists/{id}", f"artists/{DUA_LIPA}", {}),
        ("/artists", "artists", {"ids": roster_ids}),
        ("/artists/{id}/albums", f"artists/{DUA_LIPA}/albums", {"limit": 10}),
        ("/artists/{id}/albums", f"artists/{DUA_LIPA}/albums", {"limit": 10, "market": "ES"}),
        ("/artists/{id}/top-tracks", f"artists/{DUA_LIPA}/top-tracks", {}),
        ("/albums/{id}", f"albums/{sample['album']}", {}),
        ("/albums/{id}", f"albums/{sample['album']}", {"market": "ES"}),
        ("/albums", "albums", {"ids": ",".join(sample["album_ids"])}),
        ("/albums/{id}/tracks", f"albums/{sample['album']}/tracks", {"limit": 50}),
        ("/tracks/{id}", f"tracks/{sample['track']}", {}),
        ("/tracks", "tracks", {"ids": ",".join(sample["track_ids"])}),
        ("/search", "search", {"q": 'artist:"Dua Lipa"', "type": "track", "limit": 10}),
        ("/search", "search", {"q": "Oasis", "type": "artist,album,track", "limit": 10}),
        ("/search", "search", {"q": "a", "type": "album", "limit": 10, "offset": 20}),
        # the playlist the sandbox app's own user owns: readable in both tiers
        ("/playlists/{playlist_id}", f"playlists/{PICKS}", {}),
        ("/playlists/{playlist_id}/items", f"playlists/{PICKS}/items", {"limit": 50}),
        ("/playlists/{playlist_id}/tracks", f"playlists/{PICKS}/tracks", {"limit": 100}),
    ]


def _hidden_keys(value, found=None) -> set[str]:
    found = set() if found is None else found
    if isinstance(value, dict):
        hidden = HIDDEN - {"followers"} if value.get("type") == "playlist" else HIDDEN
        found |= hidden & value.keys() | ({"genres"} & value.keys())
        for v in value.values():
            _hidden_keys(v, found)
    elif isinstance(value, list):
        for v in value:
            _hidden_keys(v, found)
    return found


def test_every_endpoint_validates_on_the_extended_tier(ext, sample):
    for spec_path, path, params in _cases(sample):
        answer = ext.get(path, params)
        assert answer.status_code == 200, (path, answer.text)
        assert answer.headers["X-Sandbox"] == "1"
        assert answer.headers["Content-Type"] == "application/json; charset=utf-8"
        body = answer.json()
        schema.validate(spec_path, body)
        # Non-empty answers, or the validation above proves little.
        assert any(v for v in body.values()), path


def test_the_extended_tier_gives_every_field(ext, sample):
    artist = ext.ok(f"artists/{DUA_LIPA}")
    assert {"popularity", "followers", "genres"} <= artist.keys()
    album = ext.ok(f"albums/{sample['album']}")
    assert {"popularity", "label", "available_markets"} <= album.keys()
    page = ext.ok(f"artists/{DUA_LIPA}/albums", {"limit": 10})
    assert all("album_group" in item for item in page["items"])
    track = ext.ok(f"tracks/{sample['track']}")
    assert {"popularity", "available_markets"} <= track.keys()
    assert "available_markets" in track["album"]


def test_every_endpoint_validates_on_the_development_tier(dev, sample):
    forbidden = {
        "/artists",
        "/albums",
        "/tracks",
        "/artists/{id}/top-tracks",
        "/playlists/{playlist_id}/tracks",  # replaced by /items in February 2026
    }
    for spec_path, path, params in _cases(sample):
        answer = dev.get(path, params)
        assert answer.headers["X-Sandbox"] == "1"
        if spec_path in forbidden:
            assert answer.status_code == 403, path
            schema.validate(spec_path, answer.json(), status="403")
            assert answer.json()["error"]["status"] == 403
            continue
        assert answer.status_code == 200, (path, answer.text)
        body = answer.json()
        schema.validate(spec_path, body)
        assert _hidden_keys(body) == set(), path


def test_roster_artists_are_served_by_their_real_ids(ext):
    assert len(ROSTER) == 11
    for r in ROSTER:
        artist = ext.ok(f"artists/{r.id}")
        assert (artist["id"], artist["name"]) == (r.id, r.name)
        assert artist["uri"] == f"spotify:artist:{r.id}"
        assert artist["href"].endswith(f"/v1/artists/{r.id}")
        assert artist["external_urls"]["spotify"] == f"https://open.spotify.com/artist/{r.id}"
        assert 0 <= artist["popularity"] <= 100
    assert ext.server.roster == [(r.name, r.id) for r in ROSTER]


def test_search_for_an_artist_finds_their_tracks(ext):
    found = ext.ok("search", {"q": 'artist:"Oasis"', "type": "track", "limit": 10})["tracks"]
    assert len(found["items"]) == 10
    assert found["total"] > 10
    for track in found["items"]:
        assert "Oasis" in [a["name"] for a in track["artists"]]
    pops = [t["popularity"] for t in found["items"]]
    assert pops == sorted(pops, reverse=True)
    artists = ext.ok("search", {"q": "Linkin Park", "type": "artist"})["artists"]["items"]
    assert artists[0]["id"] == "6XyY86QOPPrYVGvF9ch6wz"


@pytest.mark.parametrize("market", [None, "ES"])
def test_market_switches_available_markets_for_is_playable(ext, sample, market):
    track = ext.ok(f"tracks/{sample['track']}", {"market": market} if market else None)
    assert ("is_playable" in track) == bool(market)
    assert ("available_markets" in track) == (not market)


def test_generated_artists_are_served_for_load_tests():
    from sandbox_helpers import AS_OF, Client

    from ingestion.sandbox import SandboxServer

    with SandboxServer(as_of=AS_OF, extra_artists=30) as server:
        client = Client(server)
        assert len(server.generated_artist_ids) == 30
        for artist_id in server.generated_artist_ids[:5]:
            assert client.ok(f"artists/{artist_id}")["id"] == artist_id
            assert client.ok(f"artists/{artist_id}/albums", {"limit": 10})["total"] > 0


def _catalogue_objects(value, found=None) -> list[dict]:
    """Every artist, album and track object in an answer, nested ones included."""
    found = [] if found is None else found
    if isinstance(value, dict):
        if value.get("type") in ("artist", "album", "track") and "id" in value:
            found.append(value)
        for v in value.values():
            _catalogue_objects(v, found)
    elif isinstance(value, list):
        for v in value:
            _catalogue_objects(v, found)
    return found


def test_ids_uris_hrefs_and_external_urls_agree_everywhere(ext, sample):
    seen = set()
    for _, path, params in _cases(sample):
        for obj in _catalogue_objects(ext.ok(path, params)):
            kind, item_id = obj["type"], obj["id"]
            assert is_valid_id(item_id), obj
            assert obj["uri"] == f"spotify:{kind}:{item_id}"
            assert obj["href"] == f"https://api.spotify.com/v1/{kind}s/{item_id}"
            assert obj["external_urls"] == {"spotify": f"https://open.spotify.com/{kind}/{item_id}"}
            seen.add(kind)
    assert seen == {"artist", "album", "track"}
