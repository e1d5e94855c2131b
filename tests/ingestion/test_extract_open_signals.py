"""Open-signal days through the sandbox's real HTTP paths: both tiers, minimum requests, per-track
outcomes, Deezer quota and error bodies, Last.fm on and off, a source down while Spotify is up,
and a late source day backfilled."""

from __future__ import annotations

import json
import logging
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from ingestion_helpers import DAY, csv_files, raw_files, settings_for

from ingestion.errors import OpenSignalError, OpenSignalQuotaError
from ingestion.extract import extract_day
from ingestion.open_signals import ENTITIES, extract_open_signals, normalise_isrc
from ingestion.open_signals_cli import extract_sources
from ingestion.raw_writer import (
    TOP_TRACK_COLUMNS,
    raw_path,
    read_csv,
    source_summary_path,
    summary_path,
    write_csv,
)
from ingestion.sandbox import Fault, FaultPlan, SandboxServer
from ingestion.sandbox.open_signals import on_deezer

LASTFM_KEY = "lfm-Zq7-KEY-do-not-leak-77cd"
FAST = (1000, 5.0)  # quotas the ordinary tests never reach (the quota tests set their own)
DAY2 = "2026-11-21"


def _settings(server: SandboxServer, **overrides):
    values = {
        "deezer_api_base_url": server.deezer_base_url,
        "lastfm_api_base_url": server.lastfm_base_url,
        "lastfm_api_key": LASTFM_KEY,
        "deezer_requests_per_5s": 1000,
        "lastfm_requests_per_second": 200,
    }
    return settings_for(server, **{**values, **overrides})


def _spotify_day(server: SandboxServer, data: Path, day: str = DAY) -> None:
    extract_day(day, data_dir=data, settings=_settings(server))
    server.reset_counts()


def _tracks_of_the_day(data: Path, day: str = DAY) -> dict[str, dict]:
    tracks = {}
    for row in read_csv(raw_path(data, "top_tracks", day)):
        tracks.setdefault(row["track_id"], json.loads(row["track_json"]))
    return tracks


def _rows(data: Path, entity: str, day: str = DAY) -> list[dict]:
    return read_csv(raw_path(data, entity, day))


@pytest.mark.parametrize("tier", ["extended", "development"])
def test_a_day_of_both_sources_with_the_minimum_requests(sandbox, tmp_path, tier):
    server = sandbox(tier=tier, seed=42, deezer_quota=FAST, lastfm_quota=FAST)
    _spotify_day(server, tmp_path)
    deezer = extract_open_signals(
        DAY, source="deezer", data_dir=tmp_path, settings=_settings(server)
    )
    lastfm = extract_open_signals(
        DAY, source="lastfm", data_dir=tmp_path, settings=_settings(server)
    )

    # Expectations from the Spotify files and the catalogue, not from the code under test.
    tracks = _tracks_of_the_day(tmp_path)
    isrcs = {
        t["id"]: normalise_isrc((t.get("external_ids") or {}).get("isrc")) for t in tracks.values()
    }
    catalogue = server.catalogue
    by_isrc = {t.isrc: t for t in catalogue.tracks.values()}
    on = {i for i in set(isrcs.values()) - {None} if on_deezer(catalogue.seed, by_isrc[i])}
    matches = {r["spotify_track_id"]: r for r in _rows(tmp_path, "deezer_matches")}
    assert set(matches) == set(tracks)  # every track of the day has an outcome
    for track_id, isrc in isrcs.items():
        expected = "matched" if isrc in on else ("not_found" if isrc else None)
        if expected:
            assert matches[track_id]["outcome"] == expected
        else:
            assert matches[track_id]["outcome"] in ("no_isrc", "malformed_isrc")
    assert deezer["outcomes"] == {
        k: Counter(r["outcome"] for r in matches.values()).get(k, 0)
        for k in ("matched", "not_found", "no_isrc", "malformed_isrc", "bad_body")
    }
    found = _rows(tmp_path, "deezer_tracks")
    assert {r["isrc"] for r in found} == on
    view = catalogue.view(date.fromisoformat(DAY))
    for row in found:
        obj = json.loads(row["track_json"])
        assert obj["rank"] == server.open_signals.deezer_rank(view, by_isrc[row["isrc"]])
        assert row["source"] == "deezer"
        assert row["base_url"] == server.deezer_base_url
        assert row["data_source"] == "sandbox"
    artists = {r["deezer_artist_id"] for r in found}
    albums = {r["deezer_album_id"] for r in found}
    assert {r["deezer_artist_id"] for r in _rows(tmp_path, "deezer_artists")} == artists
    assert {r["deezer_album_id"] for r in _rows(tmp_path, "deezer_albums")} == albums
    # One request per distinct ISRC, artist and album (and per name pair and artist on Last.fm).
    valid = {i for i in isrcs.values() if i}
    pairs = {(t["artists"][0]["name"], t["name"]) for t in tracks.values() if isrcs[t["id"]]}
    names = {p[0] for p in pairs}
    assert server.request_counts == {
        "deezer_track": len(valid),
        "deezer_artist": len(artists),
        "deezer_album": len(albums),
        "lastfm_track": len(pairs),
        "lastfm_artist": len(names),
    }
    assert lastfm["requests_total"] == len(pairs) + len(names)
    lastfm_rows = _rows(tmp_path, "lastfm_tracks")
    assert all(int(json.loads(r["track_json"])["track"]["playcount"]) > 0 for r in lastfm_rows)
    assert {r["match_method"] for r in _rows(tmp_path, "lastfm_matches")} == {"artist+title"}
    # Each source's day is published on its own, after Spotify's.
    for source in ("deezer", "lastfm"):
        published = json.loads(source_summary_path(tmp_path, source, DAY).read_text())
        assert published["rows"] == {e: len(_rows(tmp_path, e)) for e in ENTITIES[source]}
    assert summary_path(tmp_path, DAY).exists()


def test_reruns_are_byte_identical_and_the_key_is_nowhere(sandbox, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    server = sandbox(seed=42, deezer_quota=FAST, lastfm_quota=FAST)
    _spotify_day(server, tmp_path)
    for _ in range(2):
        for source in ("deezer", "lastfm"):
            extract_open_signals(DAY, source=source, data_dir=tmp_path, settings=_settings(server))
        if _ == 0:
            first = csv_files(tmp_path)
    assert csv_files(tmp_path) == first
    texts = [b.decode("utf-8") for b in raw_files(tmp_path).values()] + [caplog.text]
    assert not [t for t in texts if LASTFM_KEY in t]


def test_deezer_quota_is_waited_out_and_a_persisting_one_ends_only_deezer(sandbox, tmp_path):
    quota = FaultPlan.of(Fault("rate_limit", on_requests=(2, 3), endpoints=("deezer_track",)))
    server = sandbox(seed=42, faults=quota, deezer_quota=FAST, lastfm_quota=FAST)
    _spotify_day(server, tmp_path)
    summary = extract_open_signals(
        DAY, source="deezer", data_dir=tmp_path, settings=_settings(server)
    )
    assert summary["rate_limited"] == 2
    assert summary["outcomes"]["matched"] > 0

    stuck = FaultPlan.of(Fault("rate_limit", rate=1.0, endpoints=("deezer_track",)))
    server = sandbox(seed=42, faults=stuck, deezer_quota=FAST, lastfm_quota=FAST)
    data = tmp_path / "stuck"
    _spotify_day(server, data)
    with pytest.raises(OpenSignalQuotaError, match="still over deezer's quota") as error:
        extract_open_signals(DAY, source="deezer", data_dir=data, settings=_settings(server))
    assert str(error.value).count("\n") == 0  # one clear line
    assert not source_summary_path(data, "deezer", DAY).exists()
    assert summary_path(data, DAY).exists()  # Spotify's day stays published
    extract_open_signals(DAY, source="lastfm", data_dir=data, settings=_settings(server))
    assert source_summary_path(data, "lastfm", DAY).exists()


def test_the_sandbox_quota_without_a_client_limit_is_retried(sandbox, tmp_path):
    """The sandbox enforces the documented rate; a client allowed more gets code-4 answers,
    waits and completes the day anyway."""
    server = sandbox(seed=42, deezer_quota=(40, 0.5), lastfm_quota=FAST)
    _spotify_day(server, tmp_path)
    summary = extract_open_signals(
        DAY,
        source="deezer",
        data_dir=tmp_path,
        settings=_settings(server, backoff_base=0.1, max_attempts=20),
    )
    assert summary["rate_limited"] > 0
    assert summary["outcomes"]["matched"] == len(_rows(tmp_path, "deezer_tracks"))


def test_error_bodies_are_recorded_per_track_never_a_crash(sandbox, tmp_path):
    # One worker, so requests 1-4 are the four attempts at the first ISRC: an HTML page each.
    html = FaultPlan.of(Fault("malformed", on_requests=(1, 2, 3, 4), endpoints=("deezer_track",)))
    server = sandbox(seed=42, faults=html, deezer_quota=FAST, lastfm_quota=FAST)
    _spotify_day(server, tmp_path)
    settings = _settings(server, max_workers=1, max_attempts=4)
    summary = extract_open_signals(DAY, source="deezer", data_dir=tmp_path, settings=settings)
    matches = _rows(tmp_path, "deezer_matches")
    bad = [r for r in matches if r["outcome"] == "bad_body"]
    first_isrc = min(
        r["isrc"] for r in matches if r["outcome"] in ("matched", "not_found", "bad_body")
    )
    assert [r["isrc"] for r in bad] == [first_isrc] * len(bad)
    assert bad
    assert "not JSON" in bad[0]["reason"]
    assert summary["outcomes"]["bad_body"] == len(bad)
    assert summary["outcomes"]["not_found"] > 0  # error 800, HTTP 200: a fact, recorded
    reasons = {r["outcome"]: r["reason"] for r in matches}
    assert "error 800" in reasons["not_found"]
    assert source_summary_path(tmp_path, "deezer", DAY).exists()


def test_a_source_down_fails_alone_and_its_late_day_is_backfilled(sandbox, tmp_path):
    down = FaultPlan.of(
        Fault("server_error", rate=1.0, status=503, endpoints=("deezer_track", "deezer_artist"))
    )
    server = sandbox(seed=42, faults=down, deezer_quota=FAST, lastfm_quota=FAST)
    _spotify_day(server, tmp_path)
    _spotify_day(server, tmp_path, DAY2)
    with pytest.raises(OpenSignalError, match="deezer is unavailable; its day is not published"):
        extract_open_signals(DAY, source="deezer", data_dir=tmp_path, settings=_settings(server))
    assert not raw_path(tmp_path, "deezer_tracks", DAY).exists()
    assert summary_path(tmp_path, DAY).exists()
    extract_open_signals(DAY, source="lastfm", data_dir=tmp_path, settings=_settings(server))

    # Deezer is back: the next day, then the late one, each published whole.
    healthy = sandbox(seed=42, deezer_quota=FAST, lastfm_quota=FAST)
    for day in (DAY2, DAY):
        extract_open_signals(day, source="deezer", data_dir=tmp_path, settings=_settings(healthy))
        assert source_summary_path(tmp_path, "deezer", day).exists()
    # The backfilled day is what an on-time extraction gives.
    fresh = tmp_path / "fresh"
    _spotify_day(healthy, fresh)
    extract_open_signals(DAY, source="deezer", data_dir=fresh, settings=_settings(healthy))
    backfilled = json.loads(source_summary_path(tmp_path, "deezer", DAY).read_text())
    on_time = json.loads(source_summary_path(fresh, "deezer", DAY).read_text())
    assert backfilled["files"] == on_time["files"]  # same paths, rows, bytes and sha256
    for entity in ENTITIES["deezer"]:
        path = raw_path(tmp_path, entity, DAY)
        assert path.read_bytes() == raw_path(fresh, entity, DAY).read_bytes()


def test_lastfm_on_and_off(sandbox, tmp_path, monkeypatch):
    server = sandbox(seed=42, deezer_quota=FAST, lastfm_quota=FAST)
    _spotify_day(server, tmp_path)
    env = {
        "SPOTIFY_CLIENT_ID": "id",
        "SPOTIFY_CLIENT_SECRET": "secret",
        "DEEZER_API_BASE_URL": server.deezer_base_url,
        "LASTFM_API_BASE_URL": server.lastfm_base_url,
        "DEEZER_REQUESTS_PER_5S": "1000",
        "DATA_DIR": str(tmp_path),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # Real credentials, no Last.fm key: Deezer only.
    results, failures = extract_sources(DAY)
    assert list(results) == ["deezer"]
    assert not failures
    assert not source_summary_path(tmp_path, "lastfm", DAY).exists()
    monkeypatch.setenv("LASTFM_API_KEY", LASTFM_KEY)
    monkeypatch.setenv("LASTFM_REQUESTS_PER_SECOND", "200")
    results, failures = extract_sources(DAY)
    assert list(results) == ["deezer", "lastfm"]
    assert source_summary_path(tmp_path, "lastfm", DAY).exists()
    monkeypatch.setenv("OPEN_SIGNALS", "off")
    assert extract_sources(DAY) == ({}, [])


def test_without_credentials_the_offline_sandbox_serves_both(tmp_path):
    """No Spotify credentials: Spotify's day and both sources from the bundled sandbox."""
    extract_day(DAY, data_dir=tmp_path)
    for source in ("deezer", "lastfm"):
        summary = extract_open_signals(DAY, source=source, data_dir=tmp_path)
        assert summary["mode"] == "sandbox"
        assert summary["base_url"] == f"sandbox:/{source}/"
        assert summary["outcomes"]["matched"] > 0


def test_each_track_outcome_with_its_reason(sandbox, tmp_path):
    """A handmade day: a track without ISRC, one with a malformed ISRC, one whose ISRC only
    needs normalising, one unknown to Deezer; every outcome recorded, none stops the day."""
    server = sandbox(seed=42, deezer_quota=FAST, lastfm_quota=FAST)
    catalogue = server.catalogue
    view = catalogue.view(date.fromisoformat(DAY))
    known = next(
        t
        for t in catalogue.tracks.values()
        if view.track_visible(t) and on_deezer(catalogue.seed, t)
    )
    hyphenated = f"{known.isrc[:2]}-{known.isrc[2:5]}-{known.isrc[5:7]}-{known.isrc[7:]}".lower()
    isrcs = {"a" * 22: None, "b" * 22: "N/A", "c" * 22: hyphenated, "d" * 22: "ZZZZZ9900000"}
    rows = [
        {
            "snapshot_date": DAY,
            "extracted_at": f"{DAY}T00:00:00Z",
            "tracked_artist_id": "e" * 22,
            "rank": rank,
            "track_id": track_id,
            "track_name": known.name,
            "source": "top_tracks",
            "track_json": json.dumps(
                {
                    "id": track_id,
                    "name": known.name,
                    "artists": [{"name": catalogue.artists[known.artist_ids[0]].name}],
                    "external_ids": {"isrc": isrc} if isrc else {},
                }
            ),
            "data_source": "sandbox",
            "access_tier": "extended",
        }
        for rank, (track_id, isrc) in enumerate(sorted(isrcs.items()), start=1)
    ]
    write_csv(raw_path(tmp_path, "top_tracks", DAY), TOP_TRACK_COLUMNS, rows)
    summary = extract_open_signals(
        DAY, source="deezer", data_dir=tmp_path, settings=_settings(server)
    )
    outcomes = {r["spotify_track_id"]: r for r in _rows(tmp_path, "deezer_matches")}
    assert {k: v["outcome"] for k, v in outcomes.items()} == {
        "a" * 22: "no_isrc",
        "b" * 22: "malformed_isrc",
        "c" * 22: "matched",
        "d" * 22: "not_found",
    }
    assert outcomes["c" * 22]["isrc"] == known.isrc  # normalised
    assert "'N/A' is not a valid ISRC" in outcomes["b" * 22]["reason"]
    assert summary["outcomes"] == {
        "matched": 1,
        "not_found": 1,
        "no_isrc": 1,
        "malformed_isrc": 1,
        "bad_body": 0,
    }
    assert server.request_counts["deezer_track"] == 2  # only the valid ISRCs were asked


def test_a_source_day_is_published_whole_and_replaced_never_hidden(sandbox, tmp_path):
    """A source's day under Spotify's whole-day rules: its summary lists every file (rows,
    bytes, sha256 of the versioned file); a re-extraction that fails leaves the published
    version as it was (no unpublishing); one that succeeds replaces it in one step, removing the
    files it no longer lists and its staging folder."""
    import hashlib

    server = sandbox(seed=42, deezer_quota=FAST, lastfm_quota=FAST)
    _spotify_day(server, tmp_path)
    first = extract_open_signals(
        DAY, source="deezer", data_dir=tmp_path, settings=_settings(server)
    )
    assert [f["entity"] for f in first["files"]] == list(ENTITIES["deezer"])
    for listed in first["files"]:
        path = tmp_path / "raw" / listed["path"]
        payload = path.read_bytes()
        assert listed["path"].startswith(f"{listed['entity']}/{DAY}.")
        assert path == raw_path(tmp_path, listed["entity"], DAY)
        assert listed["sha256"] == hashlib.sha256(payload).hexdigest()
        assert listed["sha256"][:16] in path.name
        assert listed["bytes"] == len(payload)
        assert listed["rows"] == len(read_csv(path)) == first["rows"][listed["entity"]]
    published = source_summary_path(tmp_path, "deezer", DAY).read_bytes()

    # Deezer down during the re-extraction: the day stays published, byte for byte.
    down = FaultPlan.of(Fault("server_error", rate=1.0, status=503, endpoints=("deezer_track",)))
    broken = sandbox(seed=42, faults=down, deezer_quota=FAST, lastfm_quota=FAST)
    with pytest.raises(OpenSignalError):
        extract_open_signals(DAY, source="deezer", data_dir=tmp_path, settings=_settings(broken))
    assert source_summary_path(tmp_path, "deezer", DAY).read_bytes() == published
    assert all((tmp_path / "raw" / f["path"]).exists() for f in first["files"])

    # Another world (seed): different files, published in one step; the old ones removed.
    other = sandbox(seed=7, deezer_quota=FAST, lastfm_quota=FAST)
    _spotify_day(other, tmp_path)
    second = extract_open_signals(
        DAY, source="deezer", data_dir=tmp_path, settings=_settings(other)
    )
    assert second["published_at"] > first["published_at"]
    assert {f["path"] for f in second["files"]} != {f["path"] for f in first["files"]}
    on_disk = {
        str(p.relative_to(tmp_path / "raw"))
        for e in ENTITIES["deezer"]
        for p in (tmp_path / "raw" / e).glob("*")
    }
    assert on_disk == {f["path"] for f in second["files"]}
    assert not (tmp_path / "raw" / ".staging" / "deezer").exists() or not any(
        (tmp_path / "raw" / ".staging" / "deezer").rglob("*")
    )
