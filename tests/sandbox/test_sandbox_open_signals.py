"""The sandbox's Deezer and Last.fm APIs: shapes of the real answers, matching by ISRC and by
name, signals that follow the simulated popularity, quotas and the real error bodies."""

from __future__ import annotations

import itertools
import json
from datetime import date, timedelta

import pytest
import requests
from sandbox_helpers import AS_OF, DUA_LIPA

from ingestion.sandbox import SandboxServer
from ingestion.sandbox.faults import Fault, FaultPlan
from ingestion.sandbox.open_signals import ISRC_RE, on_deezer, spotify_external_ids
from tests.spotify_reference import SPEC_DIR

REFERENCE = SPEC_DIR / "open-signals"
KEY = {"api_key": "any-key", "format": "json"}


def _reference(name: str) -> dict:
    return json.loads((REFERENCE / name).read_text(encoding="utf-8"))


def _shape(value, path="$") -> dict[str, str]:
    """{path: JSON type} for every key, recursively through lists' first items."""
    kinds = {}
    if isinstance(value, dict):
        for k, v in value.items():
            kinds[f"{path}.{k}"] = type(v).__name__
            kinds.update(_shape(v, f"{path}.{k}"))
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        kinds.update(_shape(value[0], f"{path}[]"))
    return kinds


def _deezer(server: SandboxServer, path: str, day: date = AS_OF) -> requests.Response:
    return requests.get(
        server.deezer_base_url + path, headers={"X-Sandbox-Date": day.isoformat()}, timeout=10
    )


def _lastfm(server: SandboxServer, day: date = AS_OF, **params) -> requests.Response:
    return requests.get(
        server.lastfm_base_url,
        params={**KEY, **params},
        headers={"X-Sandbox-Date": day.isoformat()},
        timeout=10,
    )


def _top_tracks(server: SandboxServer, artist_id: str = DUA_LIPA) -> list:
    view = server.catalogue.view(AS_OF)
    tracks = server.catalogue.tracks
    return [tracks[t] for t in view.top_track_ids(server.catalogue.artists[artist_id])]


@pytest.fixture(scope="module")
def server():
    """A sandbox of its own, with quotas no test here reaches (the quota test has its own)."""
    with SandboxServer(seed=42, as_of=AS_OF, deezer_quota=(10**6, 1), lastfm_quota=(10**6, 1)) as s:
        yield s


@pytest.fixture(scope="module")
def on_deezer_track(server):
    """A Dua Lipa top track that Deezer has, and its Deezer answer."""
    for track in _top_tracks(server):
        answer = _deezer(server, f"track/isrc:{track.isrc}").json()
        if "error" not in answer:
            return track, answer
    raise AssertionError("no top track of Dua Lipa is on Deezer")


def test_deezer_objects_have_the_real_fields_and_types(server, on_deezer_track):
    _, track = on_deezer_track
    artist = _deezer(server, f"artist/{track['artist']['id']}").json()
    album = _deezer(server, f"album/{track['album']['id']}").json()
    for ours, name in ((track, "track"), (artist, "artist"), (album, "album")):
        real = _reference(f"deezer-{name}.json")
        assert _shape(ours) == _shape(real), name


def test_lastfm_objects_have_the_real_fields_and_types(server):
    track = next(
        t
        for t in _top_tracks(server)
        if t.artist_ids[0] == DUA_LIPA
        and "track"
        in _lastfm(server, method="track.getInfo", artist="Dua Lipa", track=t.name).json()
    )
    ours = _lastfm(server, method="track.getInfo", artist="dua lipa", track=track.name).json()
    assert _shape(ours) == _shape(_reference("lastfm-track-getinfo.json"))
    artist = _lastfm(server, method="artist.getInfo", artist="Dua Lipa").json()
    assert _shape(artist) == _shape(_reference("lastfm-artist-getinfo.json"))
    assert artist["artist"]["name"] == "Dua Lipa"


def test_the_real_error_bodies(server):
    missing = _deezer(server, "track/isrc:ZZZZZ9900000")
    assert missing.status_code == 200  # Deezer answers errors with HTTP 200
    assert missing.json() == _reference("deezer-error-no-data.json")
    assert _deezer(server, "artist/not-a-number").json() == missing.json()
    unknown = _lastfm(server, method="track.getInfo", artist="Dua Lipa", track="No Such Song")
    assert unknown.json() == _reference("lastfm-error-not-found.json")
    no_key = requests.get(
        server.lastfm_base_url,
        params={"method": "artist.getInfo", "artist": "Dua Lipa", "format": "json"},
        timeout=10,
    )
    assert no_key.status_code == 403
    assert no_key.json() == _reference("lastfm-error-invalid-key.json")


def test_isrcs_some_missing_some_malformed_some_not_on_deezer(server):
    catalogue = server.catalogue
    tracks = list(catalogue.tracks.values())
    assert all(ISRC_RE.match(t.isrc) for t in tracks)  # every simulated track has one
    given = [spotify_external_ids(catalogue.seed, t).get("isrc") for t in tracks]
    share_none = sum(i is None for i in given) / len(tracks)
    share_bad = sum(i is not None and not ISRC_RE.match(i) for i in given) / len(tracks)
    share_off = sum(not on_deezer(catalogue.seed, t) for t in tracks) / len(tracks)
    assert 0.01 < share_none < 0.06
    assert 0.002 < share_bad < 0.03
    assert 0.04 < share_off < 0.13
    # ... and the Spotify API says so in external_ids.
    hidden = next(t for t in tracks if not spotify_external_ids(catalogue.seed, t))
    view = catalogue.view(AS_OF)
    if view.track_visible(hidden):
        token = requests.post(
            server.token_url, data={"grant_type": "client_credentials"}, auth=("a", "b")
        ).json()["access_token"]
        answer = requests.get(
            f"{server.api_base_url}tracks/{hidden.id}",
            headers={"Authorization": f"Bearer {token}", "X-Sandbox-Date": AS_OF.isoformat()},
            timeout=10,
        ).json()
        assert answer["external_ids"] == {}


def test_deezer_matches_by_exact_isrc(server, on_deezer_track):
    track, answer = on_deezer_track
    assert answer["isrc"] == track.isrc
    assert answer["title"] == track.name
    assert _deezer(server, f"track/isrc:{track.isrc.lower()}").json()["id"] == answer["id"]
    assert "error" in _deezer(server, f"track/isrc:{track.isrc[:9]}").json()


def test_deezer_rank_follows_the_day_popularity(server):
    view = server.catalogue.view(AS_OF)
    pairs = []
    for track in _top_tracks(server):
        answer = _deezer(server, f"track/isrc:{track.isrc}").json()
        if "rank" in answer:
            pairs.append((view.track_popularity(track), answer["rank"]))
    assert len(pairs) >= 5
    for pop_a, rank_a in pairs:
        for pop_b, rank_b in pairs:
            if pop_a >= pop_b + 2:
                assert rank_a > rank_b, (pop_a, rank_a, pop_b, rank_b)
    assert all(0 <= rank <= 1_000_000 for _, rank in pairs)


def test_lastfm_playcount_is_cumulative_and_moves_with_popularity(server):
    days = [AS_OF - timedelta(days=k) for k in range(20, -1, -1)]
    track = next(
        t
        for t in _top_tracks(server)
        if t.artist_ids[0] == DUA_LIPA
        and "track"
        in _lastfm(server, days[0], method="track.getInfo", artist="Dua Lipa", track=t.name).json()
    )
    counts = [
        int(
            _lastfm(
                server, day, method="track.getInfo", artist="Dua Lipa", track=track.name
            ).json()["track"]["playcount"]
        )
        for day in days
    ]
    daily = [b - a for a, b in itertools.pairwise(counts)]
    assert all(d > 0 for d in daily), daily  # plays every day, never a decrease
    assert len(set(daily)) > 1  # and not the same every day
    artist = [
        int(_lastfm(server, day, method="artist.getInfo", artist="Dua Lipa").json()["artist"]
            ["stats"]["playcount"])
        for day in days
    ]  # fmt: skip
    assert artist == sorted(artist)
    assert artist[-1] > artist[0]
    assert artist[-1] >= counts[-1]


def test_answers_depend_on_the_date_only(server, on_deezer_track):
    track, _ = on_deezer_track
    with SandboxServer(seed=42) as fresh:
        for path in (f"track/isrc:{track.isrc}", f"artist/{_['artist']['id']}"):
            assert _deezer(fresh, path).content == _deezer(server, path).content
        ours = _lastfm(fresh, method="artist.getInfo", artist="Dua Lipa").content
        assert ours == _lastfm(server, method="artist.getInfo", artist="Dua Lipa").content
    later = _deezer(server, f"track/isrc:{track.isrc}", AS_OF + timedelta(days=1)).json()
    assert later["id"] == _["id"]


def test_quota_errors_past_the_documented_rate():
    with SandboxServer(seed=42, as_of=AS_OF, deezer_quota=(3, 60.0), lastfm_quota=(2, 60.0)) as s:
        _quota_errors(s)


def _quota_errors(server: SandboxServer) -> None:
    answers = [_deezer(server, "artist/1") for _ in range(4)]
    assert [a.status_code for a in answers] == [200] * 4
    assert answers[2].json()["error"]["code"] == 800
    assert answers[3].json() == _reference("deezer-error-quota.json")
    lastfm = [_lastfm(server, method="artist.getInfo", artist="Dua Lipa") for _ in range(3)]
    assert [a.status_code for a in lastfm] == [200, 200, 429]
    assert lastfm[2].json() == _reference("lastfm-error-rate-limit.json")


def test_faults_in_each_service_words():
    plan = FaultPlan.of(
        Fault("malformed", on_requests=(1,), endpoints=("deezer_track",)),
        Fault("rate_limit", on_requests=(1,), endpoints=("lastfm_artist",)),
    )
    with SandboxServer(seed=42, as_of=AS_OF, faults=plan) as server:
        _faults(server)


def _faults(server: SandboxServer) -> None:
    html = _deezer(server, "track/isrc:GBDUW0000059")
    assert html.status_code == 200
    assert html.headers["Content-Type"].startswith("text/html")
    assert html.text.startswith("<!DOCTYPE html>")
    limited = _lastfm(server, method="artist.getInfo", artist="Dua Lipa")
    assert limited.json()["error"] == 29
    assert server.request_counts == {"deezer_track": 1, "lastfm_artist": 1}
