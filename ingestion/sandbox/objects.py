"""Render catalogue entries as Spotify Web API objects (shapes of the real reference responses).

Object `href`s use Spotify's canonical base URL, like the real API: the objects end up verbatim
in the raw CSV layer, which must not depend on the port a sandbox happened to listen on. Only
the top-level paging links (`href`, `next`, `previous` of a page the client walks) point at the
sandbox itself, built by the server.

With a `market`, the real API adds `is_playable` and drops `available_markets`; the reference
responses were fetched that way, and the sandbox does the same.
"""

from __future__ import annotations

from ingestion.sandbox.catalogue import Album, Artist, Catalogue, DateView, Track
from ingestion.sandbox.ids import h64
from ingestion.sandbox.open_signals import spotify_external_ids

API = "https://api.spotify.com/v1"
OPEN = "https://open.spotify.com"

# Fields a Development Mode app no longer receives (February 2026), removed at any depth.
DEVELOPMENT_HIDDEN = frozenset(
    {"popularity", "followers", "label", "album_group", "available_markets", "linked_from"}
)


def strip_for_development(value):
    """Remove the hidden fields and `genres` from every object, nested ones too (a playlist
    keeps its `followers`: only artists lost theirs)."""
    if isinstance(value, dict):
        keep = {"followers"} if value.get("type") == "playlist" else set()
        return {
            k: strip_for_development(v)
            for k, v in value.items()
            if (k not in DEVELOPMENT_HIDDEN or k in keep) and k != "genres"
        }
    if isinstance(value, list):
        return [strip_for_development(v) for v in value]
    return value


def _links(kind: str, item_id: str) -> dict:
    return {
        "external_urls": {"spotify": f"{OPEN}/{kind}/{item_id}"},
        "href": f"{API}/{kind}s/{item_id}",
        "id": item_id,
    }


def artist_simple(artist: Artist) -> dict:
    return {
        **_links("artist", artist.id),
        "name": artist.name,
        "type": "artist",
        "uri": f"spotify:artist:{artist.id}",
    }


def artist_full(view: DateView, artist: Artist) -> dict:
    key = artist.image_key
    return {
        "external_urls": {"spotify": f"{OPEN}/artist/{artist.id}"},
        "followers": {"href": None, "total": view.followers(artist)},
        "genres": list(artist.genres),
        "href": f"{API}/artists/{artist.id}",
        "id": artist.id,
        "images": [
            {"url": f"https://i.scdn.co/image/ab6761610000e5eb{key}", "height": 640, "width": 640},
            {"url": f"https://i.scdn.co/image/ab67616100005174{key}", "height": 320, "width": 320},
            {"url": f"https://i.scdn.co/image/ab6761610000f178{key}", "height": 160, "width": 160},
        ],
        "name": artist.name,
        "popularity": view.artist_popularity(artist),
        "type": "artist",
        "uri": f"spotify:artist:{artist.id}",
    }


def _market_fields(markets: tuple[str, ...], market: str | None) -> dict:
    if market:
        return {"is_playable": market in markets}
    return {"available_markets": list(markets)}


def album_simple(catalogue: Catalogue, album: Album, market: str | None) -> dict:
    key = album.image_key
    return {
        "album_type": album.album_type,
        "total_tracks": len(album.track_ids),
        **_market_fields(album.markets, market),
        "external_urls": {"spotify": f"{OPEN}/album/{album.id}"},
        "href": f"{API}/albums/{album.id}",
        "id": album.id,
        "images": [
            {"url": f"https://i.scdn.co/image/ab67616d0000b273{key}", "height": 640, "width": 640},
            {"url": f"https://i.scdn.co/image/ab67616d00001e02{key}", "height": 300, "width": 300},
            {"url": f"https://i.scdn.co/image/ab67616d00004851{key}", "height": 64, "width": 64},
        ],
        "name": album.name,
        "release_date": album.release_date,
        "release_date_precision": album.precision,
        "type": "album",
        "uri": f"spotify:album:{album.id}",
        "artists": [artist_simple(catalogue.artists[a]) for a in album.artist_ids],
    }


def album_discography(catalogue: Catalogue, album: Album, group: str, market: str | None) -> dict:
    return {**album_simple(catalogue, album, market), "album_group": group}


def track_simple(catalogue: Catalogue, track: Track, market: str | None) -> dict:
    album = catalogue.albums[track.album_id]
    return {
        "artists": [artist_simple(catalogue.artists[a]) for a in track.artist_ids],
        **_market_fields(album.markets, market),
        "disc_number": track.disc_number,
        "duration_ms": track.duration_ms,
        "explicit": track.explicit,
        "external_urls": {"spotify": f"{OPEN}/track/{track.id}"},
        "href": f"{API}/tracks/{track.id}",
        "id": track.id,
        "name": track.name,
        "preview_url": None,
        "track_number": track.track_number,
        "type": "track",
        "uri": f"spotify:track:{track.id}",
        "is_local": False,
    }


def track_full(view: DateView, track: Track, market: str | None) -> dict:
    catalogue = view.catalogue
    album = catalogue.albums[track.album_id]
    return {
        "album": album_simple(catalogue, album, market),
        "artists": [artist_simple(catalogue.artists[a]) for a in track.artist_ids],
        **_market_fields(album.markets, market),
        "disc_number": track.disc_number,
        "duration_ms": track.duration_ms,
        "explicit": track.explicit,
        "external_ids": spotify_external_ids(catalogue.seed, track),
        "external_urls": {"spotify": f"{OPEN}/track/{track.id}"},
        "href": f"{API}/tracks/{track.id}",
        "id": track.id,
        "is_local": False,
        "name": track.name,
        "popularity": view.track_popularity(track),
        "preview_url": None,
        "track_number": track.track_number,
        "type": "track",
        "uri": f"spotify:track:{track.id}",
    }


def album_full(view: DateView, album: Album, market: str | None) -> dict:
    catalogue = view.catalogue
    items = [track_simple(catalogue, catalogue.tracks[t], market) for t in album.track_ids[:50]]
    year = album.release.year
    return {
        **album_simple(catalogue, album, market),
        "tracks": {
            "href": f"{API}/albums/{album.id}/tracks?offset=0&limit=50",
            "limit": 50,
            "next": None,  # albums have at most 18 tracks here
            "offset": 0,
            "previous": None,
            "total": len(album.track_ids),
            "items": items,
        },
        "copyrights": [
            {"text": f"© {year} {album.label}", "type": "C"},
            {"text": f"℗ {year} {album.label}", "type": "P"},
        ],
        "external_ids": {"upc": album.upc},
        "genres": [],
        "label": album.label,
        "popularity": view.album_popularity(album),
    }


# --- playlists --------------------------------------------------------------------------------
# `legacy`: also the pre-2026 names (`tracks` on a playlist, `track` on an item), which an
# Extended Quota app still receives; a Development Mode app gets only `items` / `item`.


def playlist_user(user_id: str, display_name: str | None = None) -> dict:
    user = {
        "external_urls": {"spotify": f"{OPEN}/user/{user_id}"},
        "href": f"{API}/users/{user_id}",
        "id": user_id,
        "type": "user",
        "uri": f"spotify:user:{user_id}",
    }
    if display_name is not None:
        user["display_name"] = display_name
    return user


def playlist_item(
    view: DateView, playlist, track: Track, added_at: str, market: str | None, legacy: bool
) -> dict:
    full = track_full(view, track, market)
    item = {
        "added_at": added_at,
        "added_by": playlist_user(playlist.owner_id),
        "is_local": False,
        "item": full,
    }
    if legacy:
        item["track"] = full
    return item


def playlist_full(playlist, snapshot_id: str, items_page: dict | None, legacy: bool) -> dict:
    """A playlist object; `items_page` (its first items) only where the app may read them."""
    image = f"{h64('img', playlist.id):016x}{h64('img2', playlist.id):08x}"[:24]
    obj = {
        "collaborative": False,
        "description": playlist.description,
        "external_urls": {"spotify": f"{OPEN}/playlist/{playlist.id}"},
        "followers": {"href": None, "total": playlist.followers},
        "href": f"{API}/playlists/{playlist.id}",
        "id": playlist.id,
        "images": [
            {
                "url": f"https://image-cdn-ak.spotifycdn.com/image/ab67706c0000d72c{image}",
                "height": None,
                "width": None,
            }
        ],
        "name": playlist.name,
        "owner": playlist_user(playlist.owner_id, playlist.owner_name),
        "public": True,
        "snapshot_id": snapshot_id,
        "type": "playlist",
        "uri": f"spotify:playlist:{playlist.id}",
    }
    if items_page is not None:
        obj["items"] = items_page
        if legacy:
            obj["tracks"] = items_page
    return obj
