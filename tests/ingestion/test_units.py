"""Units without a server: ids, roster, settings, limiter, raw writer, reference objects."""

from __future__ import annotations

import csv
import io
import json
import os
import threading
import time

import pytest
from ingestion_helpers import SECRET

from ingestion.client import endpoint_name
from ingestion.errors import ConfigError, InvalidArtistIdError, RosterError
from ingestion.ids import normalise_artist_id
from ingestion.limiter import RollingWindowLimiter
from ingestion.raw_writer import ARTIST_COLUMNS, atomic_write_bytes, render_csv
from ingestion.roster import DEFAULT_ARTISTS_FILE, load_roster
from ingestion.settings import Settings
from tests.spotify_reference import REFERENCE_RESPONSES as REFERENCE

DUA_LIPA = "6M2wZ9GZgrQXHCFfjv46we"


@pytest.mark.parametrize(
    "value",
    [
        DUA_LIPA,
        f"  {DUA_LIPA} ",
        f"spotify:artist:{DUA_LIPA}",
        f"https://open.spotify.com/artist/{DUA_LIPA}",
        f"https://open.spotify.com/intl-de/artist/{DUA_LIPA}?si=abc123",
        f"open.spotify.com/artist/{DUA_LIPA}",
    ],
)
def test_artist_id_forms_are_normalised(value):
    assert normalise_artist_id(value) == DUA_LIPA


@pytest.mark.parametrize(
    "value",
    [
        "",
        "6M2wZ9GZgrQXHCFfjv46w",  # 21 characters
        "6M2wZ9GZgrQXHCFfjv46wee",  # 23
        "6M2wZ9GZgrQXHCFfjv46w-",  # not base 62
        f"spotify:album:{DUA_LIPA}",  # another kind of object
        f"https://open.spotify.com/track/{DUA_LIPA}",
        f"https://example.com/artist/{DUA_LIPA}",
        12345,
        None,
    ],
)
def test_malformed_artist_ids_are_refused_with_advice(value):
    with pytest.raises(InvalidArtistIdError, match="22"):
        normalise_artist_id(value)


def test_default_roster():
    roster = load_roster(DEFAULT_ARTISTS_FILE)
    assert len(roster) == 11
    assert (roster[0].name, roster[0].id) == ("Bad Bunny", "4q3ewBCX7sLwd24euuV69X")
    assert {a.name for a in roster} >= {"Dua Lipa", "Charlie Brown Jr.", "Twenty One Pilots"}


def test_artists_file_env_overrides_default(tmp_path, monkeypatch):
    path = tmp_path / "r.yml"
    path.write_text(f"artists:\n  - {{name: Dua Lipa, id: 'spotify:artist:{DUA_LIPA}'}}\n")
    monkeypatch.setenv("ARTISTS_FILE", str(path))
    assert [(a.name, a.id) for a in load_roster()] == [("Dua Lipa", DUA_LIPA)]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "no `artists:` key"),
        ("artists:\n", "lists no artists"),
        ("artists: []\n", "lists no artists"),
        ("something: else\n", "no `artists:` key"),
        ("artists: [\n", "not valid YAML"),
        ("artists:\n  - just a string\n", "not a mapping"),
        (f"artists:\n  - {{id: {DUA_LIPA}}}\n", "has no `name`"),
        ("artists:\n  - {name: X}\n", "has no `id`"),
        ("artists:\n  - {name: X, id: nope}\n", "malformed"),
        (
            f"artists:\n  - {{name: A, id: {DUA_LIPA}}}\n"
            f"  - {{name: B, id: 'https://open.spotify.com/artist/{DUA_LIPA}'}}\n",
            "listed twice",
        ),
    ],
)
def test_invalid_artists_files(tmp_path, text, match):
    path = tmp_path / "artists.yml"
    path.write_text(text)
    with pytest.raises(RosterError, match=match):
        load_roster(path)


def test_missing_artists_file(tmp_path):
    with pytest.raises(RosterError, match="does not exist"):
        load_roster(tmp_path / "nope.yml")


def test_settings_hide_the_secret_and_read_the_environment():
    settings = Settings.from_env(
        {
            "SPOTIFY_CLIENT_ID": "someone",
            "SPOTIFY_CLIENT_SECRET": SECRET,
            "SPOTIFY_ACCESS_TIER": "Development",
            "SPOTIFY_REQUESTS_PER_30S": "99",
            "SPOTIFY_API_BASE_URL": "http://localhost:1/v1",
        }
    )
    assert settings.access_tier == "development"
    assert settings.requests_per_30s == 99
    assert settings.api_base_url == "http://localhost:1/v1/"
    assert settings.client_secret == SECRET
    for text in (repr(settings), str(settings), f"{settings}"):
        assert SECRET not in text
        assert "***" in text
    # An Airflow connection's login/password go in as overrides.
    assert Settings.from_env({}, client_id="a", client_secret="b").has_credentials
    defaults = Settings.from_env({})
    assert not defaults.has_credentials
    assert defaults.api_base_url == "https://api.spotify.com/v1/"
    assert defaults.token_url == "https://accounts.spotify.com/api/token"
    assert defaults.max_retry_after == 60


@pytest.mark.parametrize(
    ("env", "match"),
    [
        ({"SPOTIFY_ACCESS_TIER": "premium"}, "SPOTIFY_ACCESS_TIER"),
        ({"SPOTIFY_MAX_WORKERS": "many"}, "SPOTIFY_MAX_WORKERS"),
        ({"SPOTIFY_MAX_WORKERS": "0"}, "SPOTIFY_MAX_WORKERS"),
        ({"SPOTIFY_CLIENT_ID": "only-the-id"}, "SPOTIFY_CLIENT_SECRET"),
        ({"SPOTIFY_CLIENT_SECRET": SECRET}, "SPOTIFY_CLIENT_ID"),
    ],
)
def test_invalid_settings(env, match):
    with pytest.raises(ConfigError, match=match) as info:
        Settings.from_env(env)
    assert SECRET not in str(info.value)


def test_endpoint_names_match_the_sandbox():
    assert endpoint_name("/v1/artists/") == "artists"
    assert endpoint_name("/v1/artists/x") == "artist"
    assert endpoint_name("/v1/artists/x/albums") == "artist_albums"
    assert endpoint_name("/v1/artists/x/top-tracks") == "artist_top_tracks"
    assert endpoint_name("/v1/albums") == "albums"
    assert endpoint_name("/v1/albums/x") == "album"
    assert endpoint_name("/v1/search") == "search"
    assert endpoint_name("/v1/playlists/x") == "playlist"
    assert endpoint_name("/v1/playlists/x/items") == "playlist_items"
    assert endpoint_name("/v1/playlists/x/tracks") == "playlist_tracks"


def test_limiter_holds_to_its_window():
    limiter = RollingWindowLimiter(5, window_seconds=0.3)
    start = time.monotonic()
    threads = [threading.Thread(target=limiter.acquire) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 12 requests at 5 per 0.3 s need at least two full windows.
    assert time.monotonic() - start >= 0.6


def test_csv_is_rfc4180_and_round_trips():
    row = {
        "snapshot_date": "2026-11-25",
        "extracted_at": "2026-11-25T00:00:00Z",
        "artist_id": DUA_LIPA,
        "artist_name": 'Dua "DL" Lipa, Ç',
        "artist_json": '{"a":"b,c"}',
        "data_source": "sandbox",
        "access_tier": "extended",
    }
    payload = render_csv(ARTIST_COLUMNS, [row])
    assert payload.startswith(
        b"snapshot_date,extracted_at,artist_id,artist_name,artist_json,data_source,access_tier\r\n"
    )
    assert b'"Dua ""DL"" Lipa, \xc3\x87"' in payload
    assert next(csv.DictReader(io.StringIO(payload.decode()))) == row


def test_atomic_write_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "x" / "f.csv"
    atomic_write_bytes(target, b"one")
    atomic_write_bytes(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["f.csv"]
    # The process umask applies, as for any file it writes (mkstemp alone gives 0600).
    umask = os.umask(0o022)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_reference_objects_parse_into_rows():
    """The real objects (June 2025, Extended Quota app) go through the row builders intact."""
    from datetime import date

    from ingestion.raw_rows import album_rows, artist_rows, top_track_album_ids, top_track_rows
    from ingestion.responses import require_object, require_track

    artist = json.loads((REFERENCE / "artist.json").read_text())
    track = json.loads((REFERENCE / "track.json").read_text())
    album = json.loads((REFERENCE / "album.json").read_text())
    require_object(artist, "artist")
    require_track(track)
    require_object(album, "album")

    class FakeRun:  # just the attributes the row builders read; no network involved
        snapshot = date(2026, 11, 25)
        extracted_at = "2026-11-25T06:00:03Z"
        mode = "spotify"
        tier = type("Tier", (), {"value": "extended"})()

    run = FakeRun()
    rows = artist_rows(run, {artist["id"]: artist})
    assert rows[0]["artist_name"] == "Dua Lipa"
    # Every row records where it comes from.
    assert (rows[0]["data_source"], rows[0]["access_tier"]) == ("spotify", "extended")
    assert json.loads(rows[0]["artist_json"]) == artist  # the complete object
    tops = top_track_rows(run, {artist["id"]: ("top_tracks", [track])})
    assert (tops[0]["rank"], tops[0]["track_id"]) == (1, track["id"])
    assert json.loads(tops[0]["track_json"])["artists"] == track["artists"]
    assert top_track_album_ids(tops) == [track["album"]["id"]]
    albums = album_rows(run, {artist["id"]: [album]}, {album["id"]: album})
    assert [(r["source"], r["tracked_artist_id"]) for r in albums] == [
        ("album", ""),
        ("artist_albums", artist["id"]),
    ]
    assert json.loads(albums[0]["album_json"])["label"] == album["label"]


def test_settings_from_an_airflow_connection(monkeypatch):
    monkeypatch.setenv("SPOTIFY_MAX_WORKERS", "2")

    from types import SimpleNamespace

    # The attributes of airflow.models.Connection that are read.
    connection = SimpleNamespace(
        login="the-id", password=SECRET, extra_dejson={"access_tier": "development"}
    )
    settings = Settings.from_connection(connection)
    assert (settings.client_id, settings.client_secret) == ("the-id", SECRET)
    assert settings.access_tier == "development"
    assert settings.max_workers == 2
    assert SECRET not in repr(settings)


def test_only_transient_errors_are_retryable():
    """Orchestrators retry on `retryable`: an outage may pass, a bad setting never does."""
    from ingestion import errors

    retryable = {errors.ApiUnavailableError, errors.MalformedResponseError, errors.RateLimitError}
    permanent = {
        errors.ConfigError,
        errors.RosterError,
        errors.InvalidArtistIdError,
        errors.SnapshotDateError,
        errors.MissingInputError,
        errors.AuthenticationError,
        errors.ForbiddenError,
        errors.NotFoundError,
        errors.TierError,
    }
    for cls in retryable:
        assert cls.retryable, cls
    for cls in permanent:
        assert not cls.retryable, cls
