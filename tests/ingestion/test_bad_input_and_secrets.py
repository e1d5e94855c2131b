"""Bad input is refused before anything is written; secrets never leave the Settings."""

from __future__ import annotations

import base64
import json
import logging
import os
import subprocess
import sys
import traceback
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from ingestion_helpers import CLIENT_ID, DAY, SECRET, Proxy, raw_files, settings_for, write_roster

from ingestion.errors import (
    IngestionError,
    InvalidArtistIdError,
    InvalidPlaylistIdError,
    MalformedResponseError,
    RateLimitError,
    RosterError,
    SnapshotDateError,
)
from ingestion.extract import extract_artists, extract_day, extract_top_tracks
from ingestion.raw_writer import current_path, raw_path, read_csv
from ingestion.roster import load_playlists, load_roster
from ingestion.sandbox import Fault, FaultPlan


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


@pytest.mark.parametrize(
    ("date", "match"),
    [
        # Two days ahead: still in the future when the run crosses midnight UTC.
        ((datetime.now(UTC).date() + timedelta(days=2)).isoformat(), "in the future"),
        ("2026-13-01", "YYYY-MM-DD"),
        ("yesterday", "YYYY-MM-DD"),
        # Python's fromisoformat reads these too; nothing else here writes them.
        ("20261120", "'20261120' is not a YYYY-MM-DD date"),
        ("2026-W47-5", "is not a YYYY-MM-DD date"),
    ],
)
def test_bad_dates_write_nothing(sandbox, tmp_path, date, match):
    server = sandbox()
    with pytest.raises(SnapshotDateError, match=match):
        extract_day(date, data_dir=tmp_path, settings=settings_for(server))
    assert raw_files(tmp_path) == {}
    assert server.request_counts == {}


@pytest.mark.parametrize(
    ("text", "error", "match"),
    [
        ("artists:\n  - {name: X, id: 6M2wZ9GZgrQXHCFfjv46w}\n", InvalidArtistIdError, "22"),
        (
            "artists:\n  - {name: X, id: 'spotify:track:6M2wZ9GZgrQXHCFfjv46we'}\n",
            RosterError,
            "malformed",
        ),
        ("", RosterError, "artists:"),
        ("artists: {}\n", RosterError, "lists no artists"),
        (
            "artists:\n  - {name: A, id: 6M2wZ9GZgrQXHCFfjv46we}\n"
            "  - {name: B, id: 'spotify:artist:6M2wZ9GZgrQXHCFfjv46we'}\n",
            RosterError,
            "twice",
        ),
    ],
)
def test_bad_rosters_write_nothing(sandbox, tmp_path, text, error, match):
    server = sandbox()
    roster = tmp_path / "artists.yml"
    roster.write_text(text)
    for step in (extract_day, extract_artists, extract_top_tracks):
        with pytest.raises(error, match=match):
            step(DAY, artists_file=roster, data_dir=tmp_path / "d", settings=settings_for(server))
    assert raw_files(tmp_path / "d") == {}
    assert server.request_counts == {}


def test_make_extract_with_a_compact_date_is_refused_in_one_line(tmp_path):
    """`make extract DATE=20261120` runs `python -m ingestion extract --date 20261120`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPOTIFY_")}
    env["DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "ingestion", "extract", "--date", "20261120"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: snapshot date '20261120' is not a YYYY-MM-DD date: write it so, e.g. 2026-11-25."
    ]
    assert raw_files(tmp_path) == {}


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("artists:\n  - {name: X, id: 1234567890123456789012}\n", InvalidArtistIdError),
        ("artists:\n  - {name: X, id: 0}\n", InvalidArtistIdError),
        ("artists:\n  - {name: X, id: 6M2wZ9GZgrQXHCFfjv46we}\nplaylists:\n  - 12\n", None),
        (
            "artists:\n  - {name: X, id: 6M2wZ9GZgrQXHCFfjv46we}\n"
            "playlists:\n  - {name: P, id: 0123}\n",
            None,
        ),
    ],
)
def test_an_all_digit_roster_id_says_to_quote_it(tmp_path, text, error):
    roster = tmp_path / "artists.yml"
    roster.write_text(text)
    load = load_roster if error else load_playlists
    with pytest.raises(error or InvalidPlaylistIdError, match="read as a number: quote it"):
        load(roster)


def test_artist_uris_and_urls_in_the_roster_are_normalised(sandbox, tmp_path):
    server = sandbox()
    (name_a, id_a), (name_b, id_b) = server.roster[:2]
    roster = write_roster(
        tmp_path / "a.yml",
        [(name_a, f"spotify:artist:{id_a}"), (name_b, f"https://open.spotify.com/artist/{id_b}")],
    )
    summary = extract_artists(
        DAY, artists_file=roster, data_dir=tmp_path, settings=settings_for(server)
    )
    assert summary["rows"] == {"artists": 2}
    rows = read_csv(current_path(tmp_path, "artists", DAY))  # staged: the step's own file
    assert (rows[0]["artist_id"], rows[0]["artist_name"]) == (id_a, name_a)


def test_past_date_against_the_real_api_is_refused(sandbox, tmp_path):
    """Through a proxy that hides `X-Sandbox: 1`, the sandbox looks like Spotify."""
    server = sandbox()
    with Proxy(server) as proxy:
        settings = settings_for(proxy)
        with pytest.raises(SnapshotDateError, match="--allow-past-date"):
            extract_day(DAY, data_dir=tmp_path, settings=settings)
        assert raw_files(tmp_path) == {}
        assert server.request_counts == {"token": 1}  # the API itself was never asked

        started = datetime.now(UTC).replace(microsecond=0)
        summary = extract_day(DAY, data_dir=tmp_path, settings=settings, allow_past_date=True)
    assert summary["mode"] == "spotify"
    assert summary["snapshot_date"] == DAY
    recorded = datetime.strptime(summary["extracted_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert recorded >= started  # the true extraction time, not the simulated instant
    row = read_csv(raw_path(tmp_path, "artists", DAY))[0]
    assert (row["snapshot_date"], row["extracted_at"]) == (DAY, summary["extracted_at"])
    assert (row["data_source"], row["access_tier"]) == ("spotify", summary["tier"])


def test_today_against_the_real_api_needs_no_flag(sandbox, tmp_path):
    server = sandbox()
    with Proxy(server) as proxy:
        summary = extract_day(_today(), data_dir=tmp_path, settings=settings_for(proxy))
    assert summary["mode"] == "spotify"
    assert summary["extracted_at"] != f"{_today()}T00:00:00Z"


def _drop_field(kind: str, field: str):
    def transform(path, body):
        if kind == "artists" and isinstance(body, dict) and "artists" in body:
            body["artists"][1].pop(field, None)
        if kind == "tracks" and "/top-tracks" in path:
            body["tracks"][3].pop(field, None)
        return body

    return transform


@pytest.mark.parametrize(
    ("kind", "field"), [("artists", "id"), ("artists", "name"), ("tracks", "name")]
)
def test_responses_missing_required_fields_fail_clearly(sandbox, tmp_path, kind, field):
    server = sandbox()
    expected = pytest.raises(MalformedResponseError, match=f"required field '{field}'")
    with Proxy(server, _drop_field(kind, field)) as proxy, expected:
        extract_day(_today(), data_dir=tmp_path, settings=settings_for(proxy))
    assert raw_files(tmp_path) == {}


@pytest.mark.parametrize("key", ["artists", "albums"])
def test_a_batch_answer_with_a_missing_entry_fails_clearly(sandbox, tmp_path, key):
    """One object short: which id lacks one cannot be known, so nothing is guessed or written."""

    def drop_last(path, body):
        if isinstance(body, dict) and isinstance(body.get(key), list) and "ids=" in path:
            body[key] = body[key][:-1]
        return body

    server = sandbox(tier="extended")
    with Proxy(server, drop_last) as proxy, pytest.raises(MalformedResponseError, match="answered"):
        extract_day(_today(), data_dir=tmp_path, settings=settings_for(proxy))
    assert raw_files(tmp_path) == {}


def _assert_clean(text: str) -> None:
    basic = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
    assert SECRET not in text
    assert basic not in text


def test_no_secret_in_logs_exceptions_summary_or_files(sandbox, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)  # spotipy, urllib3 and ours, at their chattiest
    texts = []
    server = sandbox(
        tier="development",
        faults=FaultPlan.of(
            Fault("server_error", on_requests=(2,)),
            Fault("drop", on_requests=(4,)),
            Fault("expire_token", on_requests=(6,)),
            Fault("malformed", on_requests=(8,)),
            Fault("rate_limit", on_requests=(10,), retry_after=0),
        ),
    )
    servers = [server]
    settings = settings_for(server)
    texts += [repr(settings), str(settings)]
    summary = extract_day(DAY, data_dir=tmp_path, settings=settings)
    texts.append(json.dumps(summary))

    failing = [
        Fault("rate_limit", rate=1.0, retry_after=7200, quota=True),
        Fault("server_error", rate=1.0),
        Fault("drop", rate=1.0),
        Fault("malformed", rate=1.0),
        Fault("expire_token", rate=1.0),
    ]
    for fault in failing:
        broken = sandbox(faults=FaultPlan.of(fault))
        servers.append(broken)
        with pytest.raises(IngestionError) as info:
            extract_day(DAY, data_dir=tmp_path / "x", settings=settings_for(broken, max_attempts=2))
        if fault.kind == "rate_limit":
            assert isinstance(info.value, RateLimitError)
        texts.append("".join(traceback.format_exception(info.value)))
        texts.append(repr(info.value))

    texts.append(caplog.text)
    texts += [r.getMessage() for r in caplog.records]
    texts += [b.decode("utf-8") for b in raw_files(tmp_path).values()]
    # The access tokens the sandboxes issued are credentials too.
    tokens = [token for s in servers for token in s._tokens]
    assert len(tokens) >= len(servers)
    for text in texts:
        _assert_clean(text)
        for token in tokens:
            assert token not in text
