"""Playlists tracked through the sandbox over HTTP, in both tiers: positions, ids and track
objects as the sandbox lists them, the fewest requests, and a playlist refused in Development
Mode failing alone while the rest of the day is extracted."""

from __future__ import annotations

import json
import math
import warnings
from datetime import date
from pathlib import Path

import pytest
import requests
from ingestion_helpers import DAY, Proxy, _token, csv_files, settings_for

from ingestion.errors import ApiUnavailableError, InvalidPlaylistIdError, RosterError
from ingestion.extract import extract_day, extract_playlists, merge_summaries
from ingestion.raw_writer import RAW_SUFFIX, raw_path, read_csv
from ingestion.roster import Playlist, load_playlists
from ingestion.sandbox import Fault, FaultPlan

LOFI = "0vvXsWCC9xrXsKd4FyS8kM"  # another user's playlist: refused (403) in Development Mode
TOP_HITS = "37i9dQZF1DXcBWIGoYBM5M"  # Spotify's editorial chart: not found (404) there
PICKS = "5dIdB7pSaQEfQeePzeGVTN"  # the sandbox app user's own playlist: readable in both
DUA_LIPA = "6M2wZ9GZgrQXHCFfjv46we"
OASIS = "2DaxqgrOhkeH0fpeiQq2f4"

ROSTER = f"""\
artists:
  - {{name: Dua Lipa, id: {DUA_LIPA}}}
  - {{name: Oasis, id: "spotify:artist:{OASIS}"}}
playlists:
  - {{name: Lofi Girl, id: "https://open.spotify.com/playlist/{LOFI}?si=0123abcd"}}
  - spotify:playlist:{TOP_HITS}
  - {{name: Pipeline Picks, id: {PICKS}}}
"""


def _roster(tmp_path: Path, text: str = ROSTER) -> Path:
    path = tmp_path / "roster.yml"
    path.write_text(text, encoding="utf-8")
    return path


def _rows(path: Path) -> list[dict[str, str]]:
    return read_csv(path)


def _sandbox_items(server, playlist_id: str) -> list[dict]:
    """The playlist's items as the sandbox lists them on DAY (asked directly, one big page
    chain, without the client under test); the server's counters are reset afterwards."""
    headers = {**_token(server), "X-Sandbox-Date": DAY}
    url = server.api_base_url + f"playlists/{playlist_id}/items?limit=50&market=US"
    items: list[dict] = []
    while url:
        page = requests.get(url, headers=headers, timeout=10).json()
        items += page["items"]
        url = page["next"]
    server.reset_counts()
    return items


def _expected_rows(server, playlist_id: str) -> list[tuple[str, int, str, str, dict]]:
    return [
        (playlist_id, position, item["item"]["id"], item["added_at"], item["item"])
        for position, item in enumerate(_sandbox_items(server, playlist_id), start=1)
    ]


def _got_rows(rows: list[dict[str, str]]) -> list[tuple[str, int, str, str, dict]]:
    return [
        (
            r["playlist_id"],
            int(r["position"]),
            r["track_id"],
            r["added_at"],
            json.loads(r["track_json"]),
        )
        for r in rows
    ]


def test_extended_tier_tracks_every_playlist_with_positions(sandbox, tmp_path):
    server = sandbox(tier="extended")
    expected = [row for p in (PICKS, LOFI, TOP_HITS) for row in _expected_rows(server, p)]
    expected.sort(key=lambda r: (r[0], r[1]))
    totals = {p: sum(1 for r in expected if r[0] == p) for p in (LOFI, TOP_HITS, PICKS)}
    assert totals[LOFI] > 50 and totals[PICKS] > 50 and totals[TOP_HITS] == 50  # noqa: PT018

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        summary = extract_day(
            DAY,
            artists_file=_roster(tmp_path),
            data_dir=tmp_path / "d",
            settings=settings_for(server),
        )
    # spotipy's deprecated playlist_tracks() warns "use playlist_items(...)": never called.
    assert not [w for w in caught if "playlist_items" in str(w.message)]

    rows = _rows(raw_path(tmp_path / "d", "playlist_tracks", DAY))
    assert list(rows[0]) == [
        "snapshot_date",
        "extracted_at",
        "playlist_id",
        "position",
        "track_id",
        "track_name",
        "added_at",
        "track_json",
        "data_source",
        "access_tier",
    ]
    assert {(r["data_source"], r["access_tier"]) for r in rows} == {("sandbox", "extended")}
    assert _got_rows(rows) == expected
    assert all(r["track_name"] == json.loads(r["track_json"])["name"] for r in rows)
    assert {(r["snapshot_date"], r["extracted_at"]) for r in rows} == {(DAY, f"{DAY}T00:00:00Z")}
    assert summary["failed_playlists"] == []
    assert summary["rows"]["playlist_tracks"] == len(expected)
    # The fewest requests: pages of 50 on /items, never the old /tracks path, no playlist call.
    pages = sum(math.ceil(n / 50) for n in totals.values())
    counts = server.request_counts
    assert counts["playlist_items"] == pages
    assert not {"playlist", "playlist_tracks"} & counts.keys()
    assert summary["requests"]["playlist_items"] == pages
    # the other entities are untouched by the playlists
    assert summary["rows"]["artists"] == 2
    assert summary["rows"]["top_tracks"] == 20
    # ... but the full albums of the playlist tracks are fetched, like the top tracks' ones
    albums = _rows(raw_path(tmp_path / "d", "albums", DAY))
    full = {r["album_id"] for r in albums if r["source"] == "album"}
    wanted = {json.loads(r["track_json"])["album"]["id"] for r in rows}
    assert wanted <= full


def test_development_tier_a_refused_playlist_fails_alone(sandbox, tmp_path):
    server = sandbox(tier="development")
    expected = _expected_rows(server, PICKS)
    assert len(expected) > 50  # two pages

    summary = extract_day(
        DAY, artists_file=_roster(tmp_path), data_dir=tmp_path / "d", settings=settings_for(server)
    )

    assert summary["tier"] == "development"
    raw = tmp_path / "d" / "raw"
    assert _got_rows(_rows(raw_path(raw.parent, "playlist_tracks", DAY))) == expected
    assert all("popularity" not in r[4] for r in expected)  # Development Mode objects
    failed = {f["id"]: f for f in summary["failed_playlists"]}
    assert sorted(failed) == [LOFI, TOP_HITS]
    lofi, hits = failed[LOFI], failed[TOP_HITS]
    assert (lofi["name"], lofi["status"], hits["name"], hits["status"]) == (
        "Lofi Girl",
        403,
        "",
        404,
    )
    assert lofi["reason"].startswith(f"playlist 'Lofi Girl' ({LOFI}) was refused (HTTP 403)")
    assert "Development Mode" in lofi["reason"]
    assert "Extended Quota" in lofi["reason"]
    assert hits["reason"].startswith(f"playlist {TOP_HITS} was not found (HTTP 404)")
    assert "editorial" in hits["reason"]
    # the rest of the day was extracted and the summary written with the failures
    assert summary["rows"]["artists"] == 2
    assert summary["rows"]["top_tracks"] == 20
    assert summary["rows"]["albums"] > 0
    assert len(_rows(raw_path(raw.parent, "top_tracks", DAY))) == 20
    assert json.loads((raw / "runs" / f"{DAY}.json").read_text()) == summary
    # one request per refused playlist, pages of 50 for the readable one
    counts = server.request_counts
    assert counts["playlist_items"] == 2 + math.ceil(len(expected) / 50)
    assert not {"playlist", "playlist_tracks"} & counts.keys()


def test_the_playlist_step_alone_and_reruns(sandbox, tmp_path):
    server = sandbox(tier="development")
    roster = _roster(tmp_path)
    data = tmp_path / "d"
    part = extract_playlists(DAY, artists_file=roster, data_dir=data, settings=settings_for(server))
    # no artist, album or search request: the step needs no other step
    assert set(server.request_counts) == {"token", "playlist_items"}
    assert part["rows"] == {"playlist_tracks": part["rows"]["playlist_tracks"]}
    assert part["rows"]["playlist_tracks"] > 50
    assert [f["id"] for f in part["failed_playlists"]] == [LOFI, TOP_HITS]
    first = csv_files(data)
    assert list(first) == [f"raw/.staging/{DAY}/playlist_tracks{RAW_SUFFIX}"]  # until published

    again = extract_playlists(
        DAY, artists_file=roster, data_dir=data, settings=settings_for(server, max_workers=1)
    )
    assert csv_files(data) == first  # byte-identical
    merged = merge_summaries([{**again, "failed_playlists": []}, part])
    assert [f["id"] for f in merged["failed_playlists"]] == [LOFI, TOP_HITS]


def test_positions_keep_gaps_and_old_item_names_are_read(sandbox, tmp_path):
    """A server still sending the pre-2026 `track` name is read; an item with no track (an
    episode, or a track no longer available) leaves a gap, so positions stay the playlist's."""
    # Behind the proxy the client believes it talks to Spotify and sends no X-Sandbox-Date:
    # the sandbox serves its `as_of` day.
    server = sandbox(tier="extended", as_of=date.fromisoformat(DAY))
    expected = _expected_rows(server, PICKS)

    def old_style(path: str, body):
        if "/items" in path and isinstance(body, dict) and "items" in body:
            for entry in body["items"]:
                entry.pop("item", None)
            if body["offset"] == 0:
                body["items"][1]["track"] = None
        return body

    roster = _roster(
        tmp_path, f"artists:\n  - {{name: Oasis, id: {OASIS}}}\nplaylists: [{PICKS}]\n"
    )
    with Proxy(server, old_style) as proxy:
        extract_day(
            DAY,
            artists_file=roster,
            data_dir=tmp_path / "d",
            settings=settings_for(proxy),
            allow_past_date=True,
        )
    got = _got_rows(_rows(raw_path(tmp_path / "d", "playlist_tracks", DAY)))
    assert got == [row for row in expected if row[1] != 2]
    assert [row[1] for row in got[:3]] == [1, 3, 4]


# --- the roster's playlists -------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        LOFI,
        f" {LOFI} ",
        f"spotify:playlist:{LOFI}",
        f"spotify:user:lofigirl:playlist:{LOFI}",
        f"https://open.spotify.com/playlist/{LOFI}",
        f"https://open.spotify.com/intl-fr/playlist/{LOFI}?si=abc",
        f"open.spotify.com/playlist/{LOFI}",
    ],
)
def test_playlist_forms_are_normalised(tmp_path, value):
    text = f"artists:\n  - {{name: Oasis, id: {OASIS}}}\nplaylists:\n  - {value!r}\n"
    assert load_playlists(_roster(tmp_path, text)) == [Playlist(id=LOFI)]
    named = f"artists: [{{name: Oasis, id: {OASIS}}}]\nplaylists: [{{id: {value!r}, name: L}}]\n"
    assert load_playlists(_roster(tmp_path, named)) == [Playlist(id=LOFI, name="L")]


def test_a_roster_without_playlists_has_none(tmp_path):
    assert load_playlists(_roster(tmp_path, f"artists: [{{name: O, id: {OASIS}}}]\n")) == []
    assert (
        load_playlists(_roster(tmp_path, f"artists: [{{name: O, id: {OASIS}}}]\nplaylists:\n"))
        == []
    )


@pytest.mark.parametrize(
    ("playlists", "error", "match"),
    [
        ("nope", RosterError, "`playlists:` is not a list"),
        ("[12345]", RosterError, "playlist 1: the id 12345 was read as a number: quote it"),
        ("[[a, b]]", RosterError, "playlist 1 is neither an id nor a mapping"),
        ("[{name: X}]", RosterError, "playlist 1 has no `id`"),
        (
            "['0vvXsWCC9xrXsKd4FyS8k']",
            InvalidPlaylistIdError,
            "playlist 1: playlist id .* malformed",
        ),
        (
            f"['spotify:artist:{DUA_LIPA}']",
            InvalidPlaylistIdError,
            "is an artist, not a playlist: list it under `artists:`",
        ),
        (f"['https://open.spotify.com/album/{LOFI}']", InvalidPlaylistIdError, "22 letters"),
        (f"[{LOFI}, 'spotify:playlist:{LOFI}']", RosterError, "listed twice .*playlists 1 and 2"),
    ],
)
def test_bad_playlists_are_refused_before_any_request(sandbox, tmp_path, playlists, error, match):
    server = sandbox(tier="extended")
    roster = _roster(tmp_path, f"artists: [{{name: O, id: {OASIS}}}]\nplaylists: {playlists}\n")
    with pytest.raises(error, match=match):
        load_playlists(roster)
    with pytest.raises(error, match=match):
        extract_day(
            DAY, artists_file=roster, data_dir=tmp_path / "d", settings=settings_for(server)
        )
    assert server.request_counts == {}
    assert not (tmp_path / "d").exists()


def test_outages_on_playlist_pages_are_retried_or_fail_the_day_not_the_playlist(sandbox, tmp_path):
    """Only a refusal fails a playlist alone: a 503 on a second page is retried (same rows),
    and an outage that outlasts the retries fails the run without writing anything."""
    roster = _roster(tmp_path, f"artists: [{{name: O, id: {OASIS}}}]\nplaylists: [{PICKS}]\n")
    clean = sandbox(tier="development")
    expected = _expected_rows(clean, PICKS)

    flaky = sandbox(
        tier="development",
        faults=FaultPlan((Fault("server_error", on_requests=(2,), endpoints=("playlist_items",)),)),
    )
    summary = extract_day(
        DAY, artists_file=roster, data_dir=tmp_path / "a", settings=settings_for(flaky)
    )
    assert summary["retries"] == 1
    assert summary["failed_playlists"] == []
    rows = _rows(raw_path(tmp_path / "a", "playlist_tracks", DAY))
    assert _got_rows(rows) == expected

    down = sandbox(
        tier="development",
        faults=FaultPlan((Fault("server_error", rate=1.0, endpoints=("playlist_items",)),)),
    )
    with pytest.raises(ApiUnavailableError, match="/items"):
        extract_day(DAY, artists_file=roster, data_dir=tmp_path / "b", settings=settings_for(down))
    assert not (tmp_path / "b").exists()
