"""The endpoints: request parameters in, (status, JSON-able object) out. No HTTP here.

Parameter checks follow the fixed OpenAPI contract and Spotify's observed answers: a bad
`limit` gets 400 "Invalid limit", a malformed id 400 "invalid id", too many ids 400, an unknown
or not yet released item 404 (or `null` inside a batch answer, as the real batch endpoints do).
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

from ingestion.sandbox import objects, playlists
from ingestion.sandbox.catalogue import Catalogue, DateView
from ingestion.sandbox.ids import is_valid_id

MAX_IDS = {"artists": 50, "albums": 20, "tracks": 50}
ALBUM_GROUPS = ("album", "single", "compilation", "appears_on")
SEARCH_TYPES = ("album", "artist", "playlist", "track", "show", "episode", "audiobook")
MARKET_RE = re.compile(r"^[A-Z]{2}$")
QUERY_RE = re.compile(r'(\w+):"([^"]*)"|(\w+):(\S+)|"([^"]*)"|(\S+)')


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Request:
    """What an endpoint needs from a request: its parameters, day and the base for links."""

    def __init__(
        self,
        view: DateView,
        query: dict[str, str],
        link_base: str,
        link_extra: str,
        tier: str = "extended",
    ):
        self.view = view
        self.tier = tier  # what the app may read (playlists) depends on it
        self.catalogue: Catalogue = view.catalogue
        self.query = query
        self.link_base = link_base  # e.g. "http://127.0.0.1:8765/v1"
        self.link_extra = link_extra  # "&sandbox_date=..." when the client passed it as a param
        market = query.get("market") or None
        if market is not None and not MARKET_RE.match(market):
            raise ApiError(400, "Invalid market code")
        self.market = market

    def int_param(self, name: str, default: int, low: int, high: int | None) -> int:
        raw = self.query.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ApiError(400, f"Invalid {name}") from None
        if value < low or (high is not None and value > high):
            raise ApiError(400, f"Invalid {name}")
        return value

    def page(self, path: str, items: list, total: int, offset: int, limit: int, extra=()) -> dict:
        """A paging object whose links the client can follow (absolute, back to the sandbox)."""
        params = "".join(f"&{k}={quote(v, safe=',')}" for k, v in extra) + self.link_extra
        if self.market:
            params += f"&market={self.market}"

        def link(at: int) -> str:
            return f"{self.link_base}{path}?offset={at}&limit={limit}{params}"

        return {
            "href": link(offset),
            "items": items,
            "limit": limit,
            "next": link(offset + limit) if offset + limit < total else None,
            "offset": offset,
            "previous": link(max(0, offset - limit)) if offset > 0 else None,
            "total": total,
        }


def _check_id(item_id: str) -> str:
    if not is_valid_id(item_id):
        raise ApiError(400, "invalid id")
    return item_id


def _ids(req: Request, kind: str) -> list[str]:
    raw = req.query.get("ids")
    if not raw:
        raise ApiError(400, "invalid id")
    ids = raw.split(",")
    if len(ids) > MAX_IDS[kind]:
        raise ApiError(400, "Too many ids requested")
    return [_check_id(i) for i in ids]


def _artist(req: Request, artist_id: str):
    artist = req.catalogue.artists.get(_check_id(artist_id))
    if artist is None:
        raise ApiError(404, "Resource not found")
    return artist


def _album(req: Request, album_id: str, *, missing_ok: bool = False):
    album = req.catalogue.albums.get(_check_id(album_id))
    if album is None or not req.view.album_visible(album):
        if missing_ok:
            return None
        raise ApiError(404, "Resource not found")
    return album


def _track(req: Request, track_id: str, *, missing_ok: bool = False):
    track = req.catalogue.tracks.get(_check_id(track_id))
    if track is None or not req.view.track_visible(track):
        if missing_ok:
            return None
        raise ApiError(404, "Resource not found")
    return track


def get_artist(req: Request, artist_id: str) -> dict:
    return objects.artist_full(req.view, _artist(req, artist_id))


def get_artists(req: Request) -> dict:
    found = [req.catalogue.artists.get(i) for i in _ids(req, "artists")]
    return {"artists": [objects.artist_full(req.view, a) if a else None for a in found]}


def get_artist_albums(req: Request, artist_id: str) -> dict:
    artist = _artist(req, artist_id)
    raw_groups = req.query.get("include_groups") or ""
    groups = [g.strip() for g in raw_groups.split(",") if g.strip()] or list(ALBUM_GROUPS)
    if any(g not in ALBUM_GROUPS for g in groups):
        raise ApiError(400, "Invalid include_groups")
    limit = req.int_param("limit", 5, 1, 10)
    offset = req.int_param("offset", 0, 0, None)
    albums = [(a, g) for a, g in req.view.artist_albums(artist) if g in groups]
    items = [
        objects.album_discography(req.catalogue, a, g, req.market)
        for a, g in albums[offset : offset + limit]
    ]
    extra = [("include_groups", raw_groups)] if raw_groups else []
    return req.page(f"/artists/{artist.id}/albums", items, len(albums), offset, limit, extra)


def get_artist_top_tracks(req: Request, artist_id: str) -> dict:
    artist = _artist(req, artist_id)
    tracks = req.catalogue.tracks
    return {
        "tracks": [
            objects.track_full(req.view, tracks[t], req.market)
            for t in req.view.top_track_ids(artist)
        ]
    }


def get_album(req: Request, album_id: str) -> dict:
    return objects.album_full(req.view, _album(req, album_id), req.market)


def get_albums(req: Request) -> dict:
    found = [_album(req, i, missing_ok=True) for i in _ids(req, "albums")]
    return {"albums": [objects.album_full(req.view, a, req.market) if a else None for a in found]}


def get_album_tracks(req: Request, album_id: str) -> dict:
    album = _album(req, album_id)
    limit = req.int_param("limit", 20, 1, 50)
    offset = req.int_param("offset", 0, 0, None)
    tracks = req.catalogue.tracks
    items = [
        objects.track_simple(req.catalogue, tracks[t], req.market)
        for t in album.track_ids[offset : offset + limit]
    ]
    return req.page(f"/albums/{album.id}/tracks", items, len(album.track_ids), offset, limit)


def get_track(req: Request, track_id: str) -> dict:
    return objects.track_full(req.view, _track(req, track_id), req.market)


def get_tracks(req: Request) -> dict:
    found = [_track(req, i, missing_ok=True) for i in _ids(req, "tracks")]
    return {"tracks": [objects.track_full(req.view, t, req.market) if t else None for t in found]}


# --- playlists ------------------------------------------------------------------------------
PLAYLIST_ITEM_TYPES = ("track", "episode")


def _playlist(req: Request, playlist_id: str) -> playlists.SandboxPlaylist:
    playlist = playlists.PLAYLISTS_BY_ID.get(_check_id(playlist_id))
    if playlist is None:
        raise ApiError(404, "Resource not found")
    if req.tier == "development" and playlist.owner_id == playlists.EDITORIAL_OWNER_ID:
        # Spotify's editorial and algorithmic playlists: not found, for such an app.
        raise ApiError(404, "Resource not found")
    return playlist


def _playlist_page(req: Request, playlist, path: str, offset: int, limit: int) -> dict:
    members = playlists.members(req.view, playlist)
    tracks = req.catalogue.tracks
    legacy = req.tier != "development"
    items = [
        objects.playlist_item(
            req.view, playlist, tracks[m.track_id], m.added_at, req.market, legacy
        )
        for m in members[offset : offset + limit]
    ]
    types = req.query.get("additional_types")
    extra = [("additional_types", types)] if types else []
    return req.page(path, items, len(members), offset, limit, extra)


def _playlist_items(req: Request, playlist_id: str, path: str, max_limit: int) -> dict:
    playlist = _playlist(req, playlist_id)
    types = [t for t in (req.query.get("additional_types") or "").split(",") if t]
    if any(t not in PLAYLIST_ITEM_TYPES for t in types):
        raise ApiError(400, "Invalid additional_types")
    if req.tier == "development" and not playlists.readable_in_development(playlist):
        raise ApiError(403, "Forbidden")
    limit = req.int_param("limit", 20, 1, max_limit)
    offset = req.int_param("offset", 0, 0, None)
    # `fields` is accepted and ignored: the full objects are always returned.
    return _playlist_page(req, playlist, f"/playlists/{playlist.id}/{path}", offset, limit)


def get_playlist(req: Request, playlist_id: str) -> dict:
    playlist = _playlist(req, playlist_id)
    readable = req.tier != "development" or playlists.readable_in_development(playlist)
    page = None
    if readable:
        page = _playlist_page(req, playlist, f"/playlists/{playlist.id}/items", 0, 50)
    snapshot = playlists.snapshot_id(req.view, playlist)
    return objects.playlist_full(playlist, snapshot, page, legacy=req.tier != "development")


def get_playlist_items(req: Request, playlist_id: str) -> dict:
    return _playlist_items(req, playlist_id, "items", 50)


def get_playlist_tracks(req: Request, playlist_id: str) -> dict:
    """The deprecated path (Extended Quota apps only; its `limit` goes up to 100)."""
    return _playlist_items(req, playlist_id, "tracks", 100)


# --- search ---------------------------------------------------------------------------------


def _parse_query(q: str) -> tuple[dict[str, str], list[str]]:
    filters: dict[str, str] = {}
    words: list[str] = []
    for key, quoted, key2, plain, phrase, word in QUERY_RE.findall(q):
        if key or key2:
            filters[(key or key2).lower()] = (quoted or plain).lower()
        else:
            words.extend((phrase or word).lower().split())
    return filters, words


def _year_ok(year: int, spec: str | None) -> bool:
    if not spec:
        return True
    low, _, high = spec.partition("-")
    try:
        return int(low) <= year <= int(high or low)
    except ValueError:
        return False


def search(req: Request) -> dict:
    q = req.query.get("q", "").strip()
    if not q:
        raise ApiError(400, "No search query")
    raw_types = req.query.get("type", "")
    if not raw_types:
        raise ApiError(400, "Missing parameter type")
    types = raw_types.split(",")
    for t in types:
        if t not in SEARCH_TYPES:
            raise ApiError(400, f"Bad search type field {t}")
    limit = req.int_param("limit", 5, 1, 10)
    offset = req.int_param("offset", 0, 0, 1000)
    filters, words = _parse_query(q)
    view, catalogue = req.view, req.catalogue
    artist_filter = filters.get("artist")
    wanted = artist_filter or " ".join(words)

    result: dict[str, dict] = {}
    for t in types:
        if t == "artist":
            found = [
                a
                for a in catalogue.artists.values()
                if all(w in a.name.lower() for w in words)
                and (not artist_filter or artist_filter in a.name.lower())
                and (not filters.get("genre") or filters["genre"] in a.genres)
            ]
            found.sort(key=lambda a: (a.name.lower() != wanted, -view.artist_popularity(a), a.id))
            page = [objects.artist_full(view, a) for a in found[offset : offset + limit]]
        elif t == "track":
            if artist_filter:
                matching = [
                    a for a in catalogue.artists.values() if artist_filter in a.name.lower()
                ]
                candidates = {tid for a in matching for tid in a.tracks}
                pool = [catalogue.tracks[tid] for tid in candidates]
            else:
                pool = list(catalogue.tracks.values())
            found = []
            for track in pool:
                if not view.track_visible(track):
                    continue
                album = catalogue.albums[track.album_id]
                if not all(w in track.search_text for w in words):
                    continue
                if "track" in filters and filters["track"] not in track.name.lower():
                    continue
                if "album" in filters and filters["album"] not in album.name.lower():
                    continue
                if not _year_ok(album.release.year, filters.get("year")):
                    continue
                found.append(track)

            def track_key(track):
                names = [catalogue.artists[a].name.lower() for a in track.artist_ids]
                return (wanted not in names, -view.track_popularity(track), track.id)

            found.sort(key=track_key)
            page = [
                objects.track_full(view, tr, req.market) for tr in found[offset : offset + limit]
            ]
        elif t == "album":
            recent = view.day - timedelta(days=14)
            found = []
            for album in catalogue.albums.values():
                if not view.album_visible(album):
                    continue
                names = " ".join(catalogue.artists[a].name for a in album.artist_ids).lower()
                text = f"{album.name.lower()} {names}"
                if not all(w in text for w in words):
                    continue
                if artist_filter and artist_filter not in names:
                    continue
                if "album" in filters and filters["album"] not in album.name.lower():
                    continue
                if not _year_ok(album.release.year, filters.get("year")):
                    continue
                if filters.get("tag") == "new" and album.release < recent:
                    continue
                found.append(album)
            found.sort(key=lambda a: (-view.album_popularity(a), a.id))
            page = [
                objects.album_simple(catalogue, a, req.market)
                for a in found[offset : offset + limit]
            ]
        else:
            found, page = [], []  # playlists, shows, ...: nothing in this catalogue
        extra = [("q", q), ("type", t)]
        result[f"{t}s"] = req.page("/search", page, len(found), offset, limit, extra)
    return result
