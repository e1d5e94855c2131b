"""The simulated catalogue: real roster ids, plausible structure, releases and evolution."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta

import pytest
from sandbox_helpers import AS_OF

from ingestion.sandbox.catalogue import ROSTER, Catalogue
from ingestion.sandbox.ids import is_valid_id

ROSTER_IDS = {
    "Bad Bunny": "4q3ewBCX7sLwd24euuV69X",
    "Dua Lipa": "6M2wZ9GZgrQXHCFfjv46we",
    "Parcels": "3oKRxpszQKUjjaHz388fVA",
    "Red Hot Chili Peppers": "0L8ExT028jH3ddEcZwqJJ5",
    "Oasis": "2DaxqgrOhkeH0fpeiQq2f4",
    "Charlie Brown Jr.": "1on7ZQ2pvgeQF4vmIA09x5",
    "Eminem": "7dGJo4pcD2V6oG8kP0tJRR",
    "Imagine Dragons": "53XhwfbYqKCa1cC15pYq2q",
    "Johnny Cash": "6kACVPfCOnqzgfEF5ryl0x",
    "Linkin Park": "6XyY86QOPPrYVGvF9ch6wz",
    "Twenty One Pilots": "3YQKmKGau1PzlVlkL1iodx",
}


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    c = Catalogue(seed=42)
    c.ensure_until(AS_OF)
    return c


def test_roster_has_the_real_ids_and_names(catalogue):
    assert dict(catalogue.roster) == ROSTER_IDS
    assert [r.id for r in ROSTER] == list(ROSTER_IDS.values())


def test_every_id_is_22_base62_characters(catalogue):
    ids = [*catalogue.artists, *catalogue.albums, *catalogue.tracks]
    assert all(is_valid_id(i) for i in ids)
    assert len(ids) == len(set(ids))


def test_catalogue_sizes_are_modest(catalogue):
    view = catalogue.view(AS_OF)
    for artist_id in ROSTER_IDS.values():
        own = [a for a, g in view.artist_albums(catalogue.artists[artist_id]) if g != "appears_on"]
        assert 8 <= len(own) <= 25, (artist_id, len(own))
    assert all(1 <= len(a.track_ids) <= 18 for a in catalogue.albums.values())


def test_catalogue_has_every_kind_of_release_and_track(catalogue):
    albums, tracks = catalogue.albums.values(), catalogue.tracks.values()
    assert {a.album_type for a in albums} == {"album", "single", "compilation"}
    assert {a.precision for a in albums} == {"year", "month", "day"}
    for a in albums:
        pattern = {"year": r"\d{4}", "month": r"\d{4}-\d{2}", "day": r"\d{4}-\d{2}-\d{2}"}
        assert re.fullmatch(pattern[a.precision], a.release_date)
    assert {t.explicit for t in tracks} == {True, False}
    assert all(re.fullmatch(r"[A-Z]{2}[A-Z0-9]{3}\d{7}", t.isrc) for t in tracks)
    roster = set(ROSTER_IDS.values())
    duets = [t for t in tracks if len(roster & set(t.artist_ids)) >= 2]
    assert len(duets) >= 5
    appears_on = [g for a in roster for _, g in catalogue.artists[a].albums if g == "appears_on"]
    assert appears_on


def test_something_is_released_in_every_week():
    catalogue = Catalogue(seed=7)
    day = date(2025, 2, 1)
    while day < date(2027, 1, 1):
        catalogue.ensure_until(day)
        week = [a for a in catalogue.albums.values() if day - timedelta(days=6) <= a.release <= day]
        assert week, day
        day += timedelta(days=5)


def test_albums_exist_only_from_their_release_day(catalogue):
    album = max(
        (a for a in catalogue.albums.values() if a.release <= AS_OF), key=lambda a: a.release
    )
    assert catalogue.view(album.release).album_visible(album)
    assert not catalogue.view(album.release - timedelta(days=1)).album_visible(album)
    artist = catalogue.artists[album.artist_ids[0]]
    before = [
        a.id for a, _ in catalogue.view(album.release - timedelta(days=1)).artist_albums(artist)
    ]
    assert album.id not in before


def test_popularity_evolves_plausibly(catalogue):
    days = [AS_OF + timedelta(days=i) for i in range(31)]
    catalogue.ensure_until(days[-1])
    tracks = [t for t in catalogue.tracks.values() if t.release_day <= catalogue.view(AS_OF).n]
    series = {t.id: [catalogue.view(d).track_popularity(t) for d in days] for t in tracks}
    changed = [tid for tid, s in series.items() if s[0] != s[1]]
    assert len(changed) > len(tracks) * 0.05, "popularity must move between consecutive days"
    assert all(0 <= v <= 100 for s in series.values() for v in s)
    steps = [abs(b - a) for s in series.values() for a, b in itertools.pairwise(s)]
    assert sum(steps) / len(steps) < 2, "most values move a little"
    assert max(steps) >= 4, "a few move sharply"
    # Hits stay hits: yesterday's top decile is still above the median a month later.
    ranked = sorted(series, key=lambda tid: series[tid][0], reverse=True)
    top = ranked[: len(ranked) // 10]
    median = sorted(s[-1] for s in series.values())[len(series) // 2]
    assert sum(series[tid][-1] > median for tid in top) >= 0.9 * len(top)


def test_extra_artists_are_generated_with_catalogues():
    catalogue = Catalogue(seed=1, extra_artists=25)
    assert len(catalogue.generated_artist_ids) == 25
    assert len(set(catalogue.generated_artist_ids)) == 25
    for artist_id in catalogue.generated_artist_ids:
        artist = catalogue.artists[artist_id]
        assert artist.kind == "extra"
        assert artist.albums
    assert (
        Catalogue(seed=1, extra_artists=25).generated_artist_ids == catalogue.generated_artist_ids
    )
