"""Playlists in the sandbox: GET /playlists/{id} and /items valid against the fixed OpenAPI
contract, paginated, evolving day by day; Development Mode refuses what Spotify refuses."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sandbox_schema as schema
from sandbox_helpers import AS_OF, Client

from ingestion.sandbox import SandboxServer
from ingestion.sandbox.playlists import APP_USER_ID, PLAYLISTS

LOFI = "0vvXsWCC9xrXsKd4FyS8kM"  # another user's playlist
TOP_HITS = "37i9dQZF1DXcBWIGoYBM5M"  # Spotify's editorial chart
PICKS = "5dIdB7pSaQEfQeePzeGVTN"  # owned by the sandbox app's user
HIDDEN = {"popularity", "followers", "label", "album_group", "available_markets", "linked_from"}


def _keys(value, found=None) -> set[str]:
    found = set() if found is None else found
    if isinstance(value, dict):
        found.update(value.keys())
        for v in value.values():
            _keys(v, found)
    elif isinstance(value, list):
        for v in value:
            _keys(v, found)
    return found


def _walk(
    client: Client, playlist_id: str, limit: int, day: date | None = None, validate: bool = True
) -> list[dict]:
    """Every item of a playlist, following `next` links; checks each page's paging fields
    (and, unless told not to, its schema: the slow part)."""
    headers = {"X-Sandbox-Date": day.isoformat()} if day else None
    page = client.ok(f"playlists/{playlist_id}/items", {"limit": limit}, headers)
    items, expected_offset = [], 0
    while True:
        if validate:
            schema.validate("/playlists/{playlist_id}/items", page)
        assert (page["offset"], page["limit"]) == (expected_offset, limit)
        assert len(page["items"]) == min(limit, page["total"] - expected_offset)
        assert (page["previous"] is None) == (expected_offset == 0)
        items += page["items"]
        if page["next"] is None:
            assert len(items) == page["total"]
            return items
        expected_offset += limit
        page = client.ok(page["next"], headers=headers)


def test_the_catalogue_has_the_three_kinds_of_playlist():
    owners = {p.id: p.owner_id for p in PLAYLISTS}
    assert owners == {LOFI: "lofigirl", TOP_HITS: "spotify", PICKS: APP_USER_ID}


@pytest.mark.parametrize("playlist_id", [LOFI, TOP_HITS, PICKS])
def test_extended_tier_serves_valid_playlists_and_items(ext, playlist_id):
    playlist = ext.ok(f"playlists/{playlist_id}")
    schema.validate("/playlists/{playlist_id}", playlist)
    assert playlist["id"] == playlist_id
    assert playlist["uri"] == f"spotify:playlist:{playlist_id}"
    assert playlist["type"] == "playlist"
    assert playlist["followers"]["total"] > 0
    # Both the 2026 names and the deprecated ones: an Extended Quota app keeps everything.
    assert playlist["items"] == playlist["tracks"]
    items = _walk(ext, playlist_id, 50)
    assert [i["item"]["id"] for i in items[:50]] == [
        i["item"]["id"] for i in playlist["items"]["items"]
    ]
    for item in items:
        assert item["item"] == item["track"]
        assert item["item"]["type"] == "track"
        assert 0 <= item["item"]["popularity"] <= 100
        assert item["added_by"]["id"] == playlist["owner"]["id"]
        assert item["added_at"] <= f"{AS_OF.isoformat()}T23:59:59Z"
        # only tracks already released that day
        assert item["item"]["album"]["release_date"] <= AS_OF.isoformat()
    # the deprecated path still answers an Extended Quota app, with its larger limit
    old = ext.ok(f"playlists/{playlist_id}/tracks", {"limit": 100})
    schema.validate("/playlists/{playlist_id}/tracks", old)
    assert [i["track"]["id"] for i in old["items"]] == [i["item"]["id"] for i in items]


def test_playlist_sizes_need_pagination(ext):
    totals = {p: ext.ok(f"playlists/{p}/items", {"limit": 1})["total"] for p in (LOFI, PICKS)}
    assert all(total > 50 for total in totals.values()), totals  # two pages of 50 at least
    assert ext.ok(f"playlists/{TOP_HITS}/items", {"limit": 1})["total"] == 50


def test_pages_of_any_size_give_the_same_items(ext):
    whole = [i["item"]["id"] for i in _walk(ext, LOFI, 50)]
    assert [i["item"]["id"] for i in _walk(ext, LOFI, 7)] == whole
    assert len(whole) > 50
    page = ext.ok(f"playlists/{LOFI}/items", {"limit": 10, "offset": 45})
    assert [i["item"]["id"] for i in page["items"]] == whole[45:55]
    default = ext.ok(f"playlists/{LOFI}/items")
    assert default["limit"] == 20  # the documented default


@pytest.mark.parametrize(
    ("path", "params", "status", "message"),
    [
        (f"playlists/{LOFI}/items", {"limit": 51}, 400, "Invalid limit"),  # /items: at most 50
        (f"playlists/{LOFI}/items", {"limit": 0}, 400, "Invalid limit"),
        (f"playlists/{LOFI}/tracks", {"limit": 101}, 400, "Invalid limit"),
        (f"playlists/{LOFI}/items", {"additional_types": "song"}, 400, "additional_types"),
        ("playlists/not-an-id", {}, 400, "invalid id"),
        ("playlists/0000000000000000000000/items", {}, 404, "not found"),
    ],
)
def test_bad_playlist_requests_get_the_api_errors(ext, path, params, status, message):
    answer = ext.get(path, params)
    assert answer.status_code == status
    assert message in answer.json()["error"]["message"]


def test_development_mode_reads_only_its_own_playlists(dev):
    own = dev.ok(f"playlists/{PICKS}")
    schema.validate("/playlists/{playlist_id}", own)
    assert own["owner"]["id"] == APP_USER_ID
    items = _walk(dev, PICKS, 50)
    assert len(items) > 50
    found = _keys([own["items"], items])
    assert found & HIDDEN == set()
    assert own["followers"]["total"] > 0  # only artists lost their followers
    assert {"track", "tracks"} & found == set()  # only the 2026 names `item` / `items`
    assert {"item", "items"} <= found

    # Another user's playlist: described, but without its items, which are refused.
    other = dev.ok(f"playlists/{LOFI}")
    schema.validate("/playlists/{playlist_id}", other)
    assert {"items", "tracks"} & other.keys() == set()
    refused = dev.get(f"playlists/{LOFI}/items", {"limit": 50})
    assert refused.status_code == 403
    schema.validate("/playlists/{playlist_id}/items", refused.json(), status="403")

    # Spotify's editorial playlists are not found for such an app.
    for path in (f"playlists/{TOP_HITS}", f"playlists/{TOP_HITS}/items"):
        answer = dev.get(path)
        assert answer.status_code == 404, path
        assert answer.json()["error"] == {"status": 404, "message": "Resource not found"}


@pytest.mark.parametrize("playlist_id", [LOFI, TOP_HITS, PICKS])
def test_the_old_tracks_path_is_gone_for_development_mode(dev, playlist_id):
    answer = dev.get(f"playlists/{playlist_id}/tracks", {"limit": 50})
    assert answer.status_code == 403
    schema.validate("/playlists/{playlist_id}/tracks", answer.json(), status="403")


def test_requests_are_counted_per_playlist_endpoint():
    with SandboxServer(tier="extended", as_of=AS_OF) as server:
        client = Client(server)
        server.reset_counts()
        client.ok(f"playlists/{PICKS}")
        client.ok(f"playlists/{PICKS}/items")
        client.ok(f"playlists/{PICKS}/items", {"offset": 20})
        client.ok(f"playlists/{PICKS}/tracks")
        assert server.request_counts == {"playlist": 1, "playlist_items": 2, "playlist_tracks": 1}


def _day_items(client: Client, playlist_id: str, day: date) -> list[tuple[str, str]]:
    items = _walk(client, playlist_id, 50, day, validate=False)
    return [(i["item"]["id"], i["added_at"]) for i in items]


def test_curated_playlists_evolve_day_by_day(ext):
    days = [AS_OF - timedelta(days=n) for n in range(10, -1, -1)]
    for playlist_id in (LOFI, PICKS):
        added = removed = reordered = 0
        previous = None
        for day in days:
            items = _day_items(ext, playlist_id, day)
            ids = [track_id for track_id, _ in items]
            assert len(ids) == len(set(ids))
            since = dict(items)
            snapshot = ext.ok(
                f"playlists/{playlist_id}", headers={"X-Sandbox-Date": day.isoformat()}
            )["snapshot_id"]
            if previous is not None:
                before_ids, before_since, before_snapshot = previous
                new = set(ids) - set(before_ids)
                gone = set(before_ids) - set(ids)
                added += len(new)
                removed += len(gone)
                # a track added that day says so; the others keep their added_at
                assert all(since[t].startswith(day.isoformat()) for t in new)
                assert all(since[t] == before_since[t] for t in set(ids) & set(before_ids))
                kept_now = [t for t in ids if t in before_ids]
                kept_before = [t for t in before_ids if t in ids]
                reordered += kept_now != kept_before
                assert (snapshot == before_snapshot) == (ids == before_ids)
            previous = (ids, since, snapshot)
        assert min(added, removed, reordered) > 0, (playlist_id, added, removed, reordered)


def test_the_chart_follows_the_days_popularity(ext):
    orders = []
    for day in (AS_OF - timedelta(days=1), AS_OF):
        items = _walk(ext, TOP_HITS, 50, day)
        pops = [i["item"]["popularity"] for i in items]
        assert pops == sorted(pops, reverse=True)
        assert {i["added_at"] for i in items} == {f"{day.isoformat()}T00:00:00Z"}
        orders.append([i["item"]["id"] for i in items])
    assert orders[0] != orders[1]


def test_playlists_are_deterministic_across_servers(ext):
    day = AS_OF - timedelta(days=3)
    with SandboxServer(tier="extended", as_of=AS_OF) as other:
        again = Client(other)
        for playlist_id in (LOFI, TOP_HITS, PICKS):
            assert _day_items(again, playlist_id, day) == _day_items(ext, playlist_id, day)
