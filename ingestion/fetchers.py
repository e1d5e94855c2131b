"""Fetchers: the Spotify calls of one run, with the fewest requests each access tier allows.

Request economy (the acceptance tests compare the sandbox's own counts with these minima):
- extended: batch artists (50 per call), 1 top-tracks call per artist, album pages of 10,
  full albums of the top tracks in batches of 20;
- development: 1 artist call per artist, album pages of 10, search pages (10 results) until
  10 tracks crediting the artist are found, 1 call per distinct top-track album.
In `auto`, the first batch (or top-tracks) call is the probe: in extended it is a call the run
needs anyway, so detection is free; in development it costs the one 403.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, TypeVar

from ingestion.errors import (
    ForbiddenError,
    InvalidArtistIdError,
    MalformedResponseError,
    NotFoundError,
    SpotifyApiError,
)
from ingestion.responses import require_list, require_object, require_page, require_track
from ingestion.roster import Artist, Playlist
from ingestion.run_context import DEVELOPMENT, Run

# The name predates the split of ingestion.extract into modules: keep one logger for the
# whole extraction, so log lines and any handler or filter set on it stay the same.
log = logging.getLogger("ingestion.extract")

ARTISTS_BATCH = 50
ALBUMS_BATCH = 20
PAGE_LIMIT = 10  # the 2026 maximum of /artists/{id}/albums and /search
PLAYLIST_PAGE_LIMIT = 50  # the maximum of /playlists/{id}/items
TOP_TRACKS = 10
MARKET = "US"

T = TypeVar("T")


def _chunks(items: Sequence[T], size: int) -> list[list[T]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


# --- artists ----------------------------------------------------------------------------------
def fetch_artists(run: Run, roster: Sequence[Artist]) -> dict[str, dict[str, Any]]:
    """Artist objects by id; missing artists are recorded as skipped."""
    ids = [artist.id for artist in roster]
    found: dict[str, dict[str, Any]] = {}
    chunks = _chunks(ids, ARTISTS_BATCH)
    if run.tier.value != DEVELOPMENT:
        try:
            # In auto, the first batch is the probe: a 403 means Development Mode.
            first = _artists_batch(run, chunks[0])
        except ForbiddenError:
            run.tier.found_development("GET /artists?ids=")
        else:
            run.tier.found_extended("GET /artists?ids=")
            found.update(first)
            for chunk in chunks[1:]:
                found.update(_artists_batch(run, chunk))
    if run.tier.value == DEVELOPMENT:
        for artist_id, obj in zip(
            ids, run.pool_map(lambda i: _artist_one(run, i), ids), strict=True
        ):
            if obj is not None:
                found[artist_id] = obj
    if not found:
        raise InvalidArtistIdError(
            f"none of the {len(ids)} artists of the roster exists on Spotify (all answered "
            "'not found'): check the ids in the artists file."
        )
    return found


def _batch_answer(body: Any, key: str, chunk: list[str]) -> list[Any]:
    """A batch answer lists one entry per requested id, in order (null for an unknown id); a
    shorter or longer list cannot be matched to the ids, so nothing is guessed."""
    objects = require_list(body, key, key)
    if len(objects) != len(chunk):
        raise MalformedResponseError(
            f"the API answered {len(objects)} {key} for {len(chunk)} requested ids: the "
            "response is malformed; nothing was written; run again later.",
            endpoint=key,
        )
    return objects


def _artists_batch(run: Run, chunk: list[str]) -> dict[str, dict[str, Any]]:
    try:
        body = run.client.artists(chunk)
    except SpotifyApiError as exc:
        if exc.status == 400:
            raise InvalidArtistIdError(
                f"the API rejected the artist ids {', '.join(chunk)} as invalid (HTTP 400): "
                "check them in the artists file."
            ) from None
        raise
    objects = _batch_answer(body, "artists", chunk)
    result = {}
    for artist_id, obj in zip(chunk, objects, strict=True):
        if obj is None:
            run.skip(artist_id, "not found (the API returned null for this id)")
            continue
        result[artist_id] = require_object(obj, "artist")
    return result


def _artist_one(run: Run, artist_id: str) -> dict[str, Any] | None:
    try:
        return require_object(run.client.artist(artist_id), "artist")
    except NotFoundError:
        run.skip(artist_id, "not found (HTTP 404)")
        return None
    except SpotifyApiError as exc:
        if exc.status == 400:
            raise InvalidArtistIdError(
                f"the API rejected the artist id {artist_id} as invalid (HTTP 400): check it "
                "in the artists file."
            ) from None
        raise


# --- top tracks -------------------------------------------------------------------------------
def fetch_top_tracks(run: Run, artists: Sequence[Artist]) -> dict[str, tuple[str, list]]:
    """Per artist id: (source, [track objects, in the API's order, at most 10])."""
    result: dict[str, tuple[str, list]] = {}
    todo = list(artists)
    if todo and run.tier.value != DEVELOPMENT:
        try:
            # In auto (a step run on its own), the first call is the probe.
            first = _top_tracks_one(run, todo[0])
        except ForbiddenError:
            run.tier.found_development("GET /artists/{id}/top-tracks")
        else:
            run.tier.found_extended("GET /artists/{id}/top-tracks")
            if first is not None:
                result[todo[0].id] = ("top_tracks", first)
            rest = run.pool_map(lambda a: _top_tracks_one(run, a), todo[1:])
            for artist, tracks in zip(todo[1:], rest, strict=True):
                if tracks is not None:
                    result[artist.id] = ("top_tracks", tracks)
    if run.tier.value == DEVELOPMENT:
        searched = run.pool_map(lambda a: _search_top_tracks(run, a), todo)
        for artist, tracks in zip(todo, searched, strict=True):
            result[artist.id] = ("search", tracks)
    return result


def _top_tracks_one(run: Run, artist: Artist) -> list[dict[str, Any]] | None:
    try:
        body = run.client.artist_top_tracks_market(artist.id, MARKET)
    except NotFoundError:
        run.skip(artist.id, "not found (HTTP 404 from top-tracks)")
        return None
    tracks = require_list(body, "tracks", "top tracks")[:TOP_TRACKS]
    return [require_track(t) for t in tracks]


def _search_top_tracks(run: Run, artist: Artist) -> list[dict[str, Any]]:
    """Development Mode stand-in for top tracks: the first 10 tracks of a track search for
    the artist that credit the artist (search also matches namesakes and features)."""
    name = artist.name.replace('"', "")
    page = require_page(
        run.client.search(f'artist:"{name}"', limit=PAGE_LIMIT, type="track"), "search", "tracks"
    )
    found: list[dict[str, Any]] = []
    seen: set[str] = set()
    while True:
        for item in page["items"]:
            if item is None:
                continue
            track = require_track(item)
            credited = any(
                isinstance(a, dict) and a.get("id") == artist.id for a in track.get("artists") or []
            )
            if credited and track["id"] not in seen:
                seen.add(track["id"])
                found.append(track)
                if len(found) == TOP_TRACKS:
                    return found
        if not page.get("next"):
            return found
        page = require_page(run.client.next(page), "search", "tracks")


# --- albums -----------------------------------------------------------------------------------
def fetch_artist_albums(run: Run, artists: Sequence[Artist]) -> dict[str, list[dict[str, Any]]]:
    pages = run.pool_map(lambda a: _albums_of(run, a), artists)
    return {a.id: albums for a, albums in zip(artists, pages, strict=True) if albums is not None}


def _albums_of(run: Run, artist: Artist) -> list[dict[str, Any]] | None:
    try:
        page = require_page(run.client.artist_albums(artist.id, limit=PAGE_LIMIT), "artist albums")
    except NotFoundError:
        run.skip(artist.id, "not found (HTTP 404 from artist albums)")
        return None
    albums = []
    while True:
        albums.extend(require_object(item, "album") for item in page["items"] if item is not None)
        if not page.get("next"):
            return albums
        page = require_page(run.client.next(page), "artist albums")


def fetch_full_albums(run: Run, album_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    ids = sorted(set(album_ids))
    found: dict[str, dict[str, Any]] = {}
    if not ids:
        return found
    chunks = _chunks(ids, ALBUMS_BATCH)
    if run.tier.value != DEVELOPMENT:
        try:
            first = _albums_batch(run, chunks[0])
        except ForbiddenError:
            run.tier.found_development("GET /albums?ids=")
        else:
            run.tier.found_extended("GET /albums?ids=")
            found.update(first)
            for chunk in chunks[1:]:
                found.update(_albums_batch(run, chunk))
    if run.tier.value == DEVELOPMENT:
        for album_id, obj in zip(ids, run.pool_map(lambda i: _album_one(run, i), ids), strict=True):
            if obj is not None:
                found[album_id] = obj
    return found


def _albums_batch(run: Run, chunk: list[str]) -> dict[str, dict[str, Any]]:
    objects = _batch_answer(run.client.albums(chunk), "albums", chunk)
    result = {}
    for album_id, obj in zip(chunk, objects, strict=True):
        if obj is None:
            log.warning("album %s of a top track was not found: left out", album_id)
            continue
        result[album_id] = require_object(obj, "album")
    return result


def _album_one(run: Run, album_id: str) -> dict[str, Any] | None:
    try:
        return require_object(run.client.album(album_id), "album")
    except NotFoundError:
        log.warning("album %s of a top track was not found (HTTP 404): left out", album_id)
        return None


# --- playlists --------------------------------------------------------------------------------
PlaylistItems = list[tuple[int, str | None, dict[str, Any]]]  # (position, added_at, track)


def fetch_playlist_tracks(run: Run, playlists: Sequence[Playlist]) -> dict[str, PlaylistItems]:
    """Per readable playlist id: its tracks with their 1-based positions, in playlist order.

    `GET /playlists/{id}/items` in pages of 50 (the same in both tiers). A playlist the API
    refuses (403: a Development Mode app reads only its user's playlists; 404: gone, private,
    or an editorial playlist such an app may not read) is recorded on the run and left out.
    """
    found = run.pool_map(lambda p: _playlist_items(run, p), playlists)
    return {p.id: items for p, items in zip(playlists, found, strict=True) if items is not None}


def _playlist_items(run: Run, playlist: Playlist) -> PlaylistItems | None:
    items: PlaylistItems = []
    try:
        # playlist_items(), never the deprecated playlist_tracks(): /tracks is gone since 2026.
        body = run.client.playlist_items(
            playlist.id, limit=PLAYLIST_PAGE_LIMIT, market=MARKET, additional_types=("track",)
        )
        while True:
            page = require_page(body, "playlist items")
            offset = page.get("offset") if isinstance(page.get("offset"), int) else len(items)
            for index, entry in enumerate(page["items"]):
                track = _playlist_track(entry)
                if track is not None:
                    added_at = entry.get("added_at")
                    added_at = added_at if isinstance(added_at, str) else None
                    items.append((offset + index + 1, added_at, track))
            if not page.get("next"):
                return items
            body = run.client.next(page)
    except ForbiddenError as exc:
        run.fail_playlist(
            playlist.id,
            playlist.name,
            exc.status,
            f"playlist {playlist.label} was refused (HTTP 403): Spotify lets an app in "
            "Development Mode read only the items of playlists its user owns or collaborates "
            "on; the rest of the day was extracted. Use an Extended Quota Mode app, or remove "
            "the playlist from the roster.",
        )
    except NotFoundError as exc:
        run.fail_playlist(
            playlist.id,
            playlist.name,
            exc.status,
            f"playlist {playlist.label} was not found (HTTP 404): it was deleted or made "
            "private, or it is one of Spotify's editorial or algorithmic playlists, which an "
            "app in Development Mode may not read; the rest of the day was extracted. Check "
            "the id, or remove the playlist from the roster.",
        )
    return None


def _playlist_track(entry: Any) -> dict[str, Any] | None:
    """The track of a playlist item (`item`, or the pre-2026 `track`); None for an episode,
    a local file or a track no longer available (they have no catalogue track to record)."""
    if not isinstance(entry, dict):
        raise MalformedResponseError(
            "the API returned a playlist item that is not a JSON object: the response is "
            "malformed; nothing was written; run again later.",
            endpoint="playlist items",
        )
    track = entry.get("item") if "item" in entry else entry.get("track")
    if not isinstance(track, dict) or entry.get("is_local") or track.get("is_local"):
        return None
    if track.get("type", "track") != "track":
        return None
    return require_track(track)
