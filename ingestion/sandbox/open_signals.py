"""Deezer's and Last.fm's public APIs over the simulated catalogue (docs/interfaces.md, section 1).

The same tracks, artists and albums as the Spotify side, seen by two other services:

- **ISRCs.** Every simulated track has one. Spotify's answer omits it for about 3% of tracks
  (`external_ids: {}`) and gives a malformed one for about 1%, as real catalogues do.
- **Deezer** (`/deezer/...`, keyless): `GET track/isrc:{ISRC}`, `artist/{id}`, `album/{id}`.
  About 8% of tracks are not on Deezer (error 800 "no data", HTTP 200, as Deezer answers).
  `rank` (0..1,000,000) follows the track's simulated popularity day by day; artists' `nb_fan`
  follow their followers, albums' `fans` their popularity.
- **Last.fm** (`/lastfm/2.0/?method=...&format=json`, `api_key` required): `track.getInfo`
  (artist + track name, as Last.fm matches them: all the catalogue's tracks with that primary
  artist and title are one Last.fm track) and `artist.getInfo`. About 5% of (artist, title)
  pairs are unknown (error 6). `playcount` is cumulative: each day adds plays in step with the
  track's popularity that week, so it never decreases; `listeners` is a fixed share of it. Counts
  are strings, as Last.fm sends them.

Ids are hashes of Spotify's, so they are stable across days and processes; every value is a
function of (seed, id, day).
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from urllib.parse import quote_plus

from ingestion.sandbox.catalogue import (
    SCHEDULE_START,
    Album,
    Artist,
    Catalogue,
    DateView,
    Track,
    day_number,
    popularity_on,
)
from ingestion.sandbox.ids import between, h64, unit

DEEZER_WEB = "https://www.deezer.com"
DEEZER_API = "https://api.deezer.com"
DEEZER_IMAGES = "https://e-cdns-images.dzcdn.net/images"
LASTFM_WEB = "https://www.last.fm/music"
LASTFM_IMAGES = "https://lastfm.freetls.fastly.net/i/u"
ISRC_RE = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{7}$")

# Plays are summed from this day on; before it, a track plays at its base rate (so the first
# request for a day sums at most a couple of years of weeks, not decades of days).
PLAYS_EPOCH = SCHEDULE_START
COUNTRIES = ("AR", "AT", "AU", "BE", "BR", "CA", "DE", "ES", "FR", "GB", "IT", "MX", "NL", "US")
DEEZER_GENRES = ((132, "Pop"), (152, "Rock"), (116, "Rap/Hip Hop"), (113, "Dance"))


class OpenSignalError(Exception):
    """An error the way the service writes it: Deezer's `{"error": {...}}` (HTTP 200) or
    Last.fm's `{"error": N, "message": ...}` with its HTTP status."""

    def __init__(self, body: dict, status: int = 200) -> None:
        super().__init__(str(body))
        self.body = body
        self.status = status


def deezer_error(code: int) -> OpenSignalError:
    kinds = {
        4: ("Exception", "Quota limit exceeded"),
        800: ("DataException", "no data"),
        501: ("MissingParameterException", "Missing parameters"),
    }
    kind, message = kinds[code]
    return OpenSignalError({"error": {"type": kind, "message": message, "code": code}})


LASTFM_MESSAGES = {
    3: (400, "Invalid Method - No method with that name in this package"),
    6: (200, "Track not found"),
    10: (403, "Invalid API key - You must be granted a valid key by last.fm"),
    29: (429, "Rate Limit Exceeded - Your IP has made too many requests in a short period"),
}


def lastfm_error(code: int, message: str | None = None) -> OpenSignalError:
    status, default = LASTFM_MESSAGES[code]
    return OpenSignalError({"error": code, "message": message or default}, status)


# --- what Spotify says about a track's ISRC -----------------------------------------------------
def spotify_external_ids(seed: int, track: Track) -> dict:
    u = unit(seed, track.id, "spotify isrc")
    if u < 0.03:
        return {}  # no ISRC in Spotify's answer
    if u < 0.04:
        return {"isrc": track.isrc[:9]}  # malformed: cut short
    return {"isrc": track.isrc}


# --- ids ----------------------------------------------------------------------------------------
def deezer_id(seed: int, kind: str, spotify_id: str) -> int:
    return 1 + h64(seed, "deezer", kind, spotify_id) % 3_000_000_000


def on_deezer(seed: int, track: Track) -> bool:
    return unit(seed, track.id, "on deezer") >= 0.08


def _md5(seed: int, *parts: object) -> str:
    return f"{h64(seed, 'md5', *parts):016x}{h64(seed, 'md5b', *parts):016x}"


class OpenSignals:
    """Deezer's and Last.fm's view of one catalogue: lookups and the objects they answer."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.seed = catalogue.seed
        self._lock = threading.Lock()
        self._indexed = -1
        self._by_isrc: dict[str, str] = {}
        self._deezer_artists: dict[int, str] = {}
        self._deezer_albums: dict[int, str] = {}
        self._lastfm_tracks: dict[tuple[str, str], list[str]] = {}
        self._artists_by_name: dict[str, str] = {}
        # track id -> cumulative plays at the end of each week since PLAYS_EPOCH's week
        self._weekly_plays: dict[str, list[int]] = {}

    # --- indexes (rebuilt when the release schedule has added tracks) ------------------------
    def _index(self) -> None:
        catalogue = self.catalogue
        if self._indexed == len(catalogue.tracks):
            return
        with self._lock:
            if self._indexed == len(catalogue.tracks):
                return
            # The release schedule may be adding tracks for a later day meanwhile.
            with catalogue._lock:
                tracks = list(catalogue.tracks.values())
                albums, artists = list(catalogue.albums), list(catalogue.artists.values())
            by_isrc, lastfm = {}, defaultdict(list)
            for track in tracks:
                by_isrc.setdefault(track.isrc, track.id)
                artist = catalogue.artists[track.artist_ids[0]]
                lastfm[(artist.name.lower(), track.name.lower())].append(track.id)
            self._by_isrc = by_isrc
            self._lastfm_tracks = dict(lastfm)
            self._deezer_albums = {deezer_id(self.seed, "album", a): a for a in albums}
            self._deezer_artists = {deezer_id(self.seed, "artist", a.id): a.id for a in artists}
            self._artists_by_name = {a.name.lower(): a.id for a in artists}
            self._indexed = len(tracks)

    # --- Deezer ------------------------------------------------------------------------------
    def deezer_track_by_isrc(self, view: DateView, isrc: str) -> dict:
        self._index()
        track_id = self._by_isrc.get(isrc.upper()) if ISRC_RE.match(isrc.upper()) else None
        track = self.catalogue.tracks.get(track_id) if track_id else None
        if track is None or not view.track_visible(track) or not on_deezer(self.seed, track):
            raise deezer_error(800)
        return self._deezer_track(view, track)

    def deezer_artist(self, view: DateView, raw_id: str) -> dict:
        self._index()
        artist_id = self._deezer_artists.get(int(raw_id)) if raw_id.isdigit() else None
        if artist_id is None:
            raise deezer_error(800)
        artist = self.catalogue.artists[artist_id]
        albums = [a for a, _ in view.artist_albums(artist)]
        return {
            **self._deezer_artist_simple(artist, picture=True),
            "nb_album": len(albums),
            "nb_fan": self.deezer_fans(view, artist),
            "radio": True,
            "tracklist": f"{DEEZER_API}/artist/{deezer_id(self.seed, 'artist', artist.id)}"
            "/top?limit=50",
            "type": "artist",
        }

    def deezer_album(self, view: DateView, raw_id: str) -> dict:
        self._index()
        album_id = self._deezer_albums.get(int(raw_id)) if raw_id.isdigit() else None
        album = self.catalogue.albums.get(album_id) if album_id else None
        if album is None or not view.album_visible(album):
            raise deezer_error(800)
        catalogue, seed = self.catalogue, self.seed
        did = deezer_id(seed, "album", album.id)
        tracks = [catalogue.tracks[t] for t in album.track_ids]
        tracks = [t for t in tracks if on_deezer(seed, t)]
        artist = catalogue.artists[album.artist_ids[0]]
        genre_id, genre = DEEZER_GENRES[h64(seed, album.id, "genre") % len(DEEZER_GENRES)]
        explicit = any(t.explicit for t in tracks)
        return {
            "id": did,
            "title": album.name,
            "upc": album.upc,
            "link": f"{DEEZER_WEB}/album/{did}",
            "share": f"{DEEZER_WEB}/album/{did}?utm_source=deezer&utm_content=album-{did}",
            **self._images("cover", "album", did, _md5(seed, album.id)),
            "md5_image": _md5(seed, album.id),
            "genre_id": genre_id,
            "genres": {
                "data": [
                    {
                        "id": genre_id,
                        "name": genre,
                        "picture": f"{DEEZER_API}/genre/{genre_id}/image",
                        "type": "genre",
                    }
                ]
            },
            "label": album.label,
            "nb_tracks": len(tracks),
            "duration": sum(t.duration_ms // 1000 for t in tracks),
            "fans": self.deezer_album_fans(view, album),
            "release_date": album.release.isoformat(),
            "record_type": "single" if album.album_type == "single" else "album",
            "available": True,
            "tracklist": f"{DEEZER_API}/album/{did}/tracks",
            "explicit_lyrics": explicit,
            "explicit_content_lyrics": 1 if explicit else 0,
            "explicit_content_cover": 0,
            "contributors": [
                {**self._deezer_artist_full_link(catalogue.artists[a]), "role": "Main"}
                for a in album.artist_ids
            ],
            "artist": {
                k: v
                for k, v in self._deezer_artist_full_link(artist).items()
                if k not in ("link", "share", "radio")
            },
            "type": "album",
            "tracks": {"data": [self._deezer_track_in_album(view, t) for t in tracks]},
        }

    def deezer_rank(self, view: DateView, track: Track) -> int:
        """0..1,000,000, a convex function of the day's popularity with a small daily jitter."""
        pop = view.track_popularity(track)
        jitter = 0.97 + 0.06 * unit(self.seed, track.id, "rank", view.n)
        return max(0, min(1_000_000, round(1_000_000 * (pop / 100) ** 1.6 * jitter)))

    def deezer_fans(self, view: DateView, artist: Artist) -> int:
        share = 0.04 + 0.2 * unit(self.seed, artist.id, "deezer share")
        return round(view.followers(artist) * share)

    def deezer_album_fans(self, view: DateView, album: Album) -> int:
        artist = self.catalogue.artists[album.artist_ids[0]]
        pop = view.album_popularity(album)
        return round(self.deezer_fans(view, artist) * 0.002 * (1 + pop / 10))

    def _preview(self, did: int) -> str:
        return f"https://cdns-preview-{did % 10}.dzcdn.net/stream/c-{_md5(self.seed, did)}-5.mp3"

    def _images(self, field: str, kind: str, did: int, md5: str) -> dict:
        base = f"{DEEZER_IMAGES}/{'cover' if kind == 'album' else 'artist'}/{md5}"
        return {
            field: f"{DEEZER_API}/{kind}/{did}/image",
            f"{field}_small": f"{base}/56x56-000000-80-0-0.jpg",
            f"{field}_medium": f"{base}/250x250-000000-80-0-0.jpg",
            f"{field}_big": f"{base}/500x500-000000-80-0-0.jpg",
            f"{field}_xl": f"{base}/1000x1000-000000-80-0-0.jpg",
        }

    def _deezer_artist_simple(self, artist: Artist, picture: bool) -> dict:
        did = deezer_id(self.seed, "artist", artist.id)
        obj = {
            "id": did,
            "name": artist.name,
            "link": f"{DEEZER_WEB}/artist/{did}",
            "share": f"{DEEZER_WEB}/artist/{did}?utm_source=deezer&utm_content=artist-{did}",
        }
        if picture:
            obj.update(self._images("picture", "artist", did, _md5(self.seed, artist.id)))
        return obj

    def _deezer_artist_full_link(self, artist: Artist) -> dict:
        did = deezer_id(self.seed, "artist", artist.id)
        return {
            **self._deezer_artist_simple(artist, picture=True),
            "radio": True,
            "tracklist": f"{DEEZER_API}/artist/{did}/top?limit=50",
            "type": "artist",
        }

    def _deezer_track(self, view: DateView, track: Track) -> dict:
        catalogue, seed = self.catalogue, self.seed
        album = catalogue.albums[track.album_id]
        did = deezer_id(seed, "track", track.id)
        album_did = deezer_id(seed, "album", album.id)
        artist = catalogue.artists[track.artist_ids[0]]
        md5 = _md5(seed, album.id)
        return {
            "id": did,
            "readable": True,
            "title": track.name,
            "title_short": track.name.split(" (feat.")[0],
            "title_version": "",
            "isrc": track.isrc,
            "link": f"{DEEZER_WEB}/track/{did}",
            "share": f"{DEEZER_WEB}/track/{did}?utm_source=deezer&utm_content=track-{did}",
            "duration": track.duration_ms // 1000,
            "track_position": track.track_number,
            "disk_number": track.disc_number,
            "rank": self.deezer_rank(view, track),
            "release_date": album.release.isoformat(),
            "explicit_lyrics": track.explicit,
            "explicit_content_lyrics": 1 if track.explicit else 0,
            "explicit_content_cover": 0,
            "preview": self._preview(did),
            "bpm": between(70, 170, seed, track.id, "bpm"),
            "gain": -round(4 + 10 * unit(seed, track.id, "gain"), 1),
            "available_countries": [c for c in COUNTRIES if c in album.markets or c == "FR"],
            "contributors": [
                {**self._deezer_artist_full_link(catalogue.artists[a]), "role": "Main"}
                for a in track.artist_ids
            ],
            "md5_image": md5,
            "artist": self._deezer_artist_full_link(artist),
            "album": {
                "id": album_did,
                "title": album.name,
                "link": f"{DEEZER_WEB}/album/{album_did}",
                **self._images("cover", "album", album_did, md5),
                "md5_image": md5,
                "release_date": album.release.isoformat(),
                "tracklist": f"{DEEZER_API}/album/{album_did}/tracks",
                "type": "album",
            },
            "type": "track",
        }

    def _deezer_track_in_album(self, view: DateView, track: Track) -> dict:
        did = deezer_id(self.seed, "track", track.id)
        artist = self.catalogue.artists[track.artist_ids[0]]
        artist_did = deezer_id(self.seed, "artist", artist.id)
        return {
            "id": did,
            "readable": True,
            "title": track.name,
            "title_short": track.name.split(" (feat.")[0],
            "title_version": "",
            "link": f"{DEEZER_WEB}/track/{did}",
            "duration": track.duration_ms // 1000,
            "rank": self.deezer_rank(view, track),
            "explicit_lyrics": track.explicit,
            "explicit_content_lyrics": 1 if track.explicit else 0,
            "explicit_content_cover": 0,
            "preview": self._preview(did),
            "artist": {
                "id": artist_did,
                "name": artist.name,
                "tracklist": f"{DEEZER_API}/artist/{artist_did}/top?limit=50",
                "type": "artist",
            },
            "type": "track",
        }

    # --- Last.fm -----------------------------------------------------------------------------
    def plays(self, track: Track, n: int) -> int:
        """Cumulative plays of a track up to and including day number `n` (0 before release).

        Each week adds `7 * rate`, the rate set by the track's popularity on the week's first
        day; within a week the days add equal shares. Before PLAYS_EPOCH a track plays at a
        constant base rate."""
        if n < track.release_day:
            return 0
        seed = self.seed
        scale = 5 + 25 * unit(seed, track.id, "plays scale")
        epoch = day_number(PLAYS_EPOCH)
        start = max(track.release_day, epoch)
        base_rate = round(scale * 2 ** (track.base / 12))
        if n < start:
            return base_rate * (n - track.release_day + 1)
        before = base_rate * (start - track.release_day)
        first_week, week = start // 7, n // 7
        with self._lock:
            cumulative = self._weekly_plays.setdefault(track.id, [])
            while len(cumulative) <= week - first_week:
                k = first_week + len(cumulative)
                pop = popularity_on(seed, track, max(k * 7, track.release_day))
                days = 7 - max(0, start - k * 7)  # the release week counts from release day
                previous = cumulative[-1] if cumulative else 0
                cumulative.append(previous + round(scale * 2 ** (pop / 12)) * days)
            done = cumulative[week - first_week - 1] if week > first_week else 0
            this_week = cumulative[week - first_week] - done
        week_start = max(week * 7, start)
        week_days = 7 - (week_start - week * 7)
        return before + done + this_week * (n - week_start + 1) // week_days

    def lastfm_track(self, view: DateView, query: dict[str, str]) -> dict:
        self._index()
        artist_name = (query.get("artist") or "").strip().lower()
        title = (query.get("track") or "").strip().lower()
        if not artist_name or not title:
            raise lastfm_error(6, "Invalid parameters - Your request is missing a required "
                               "parameter")  # fmt: skip
        key = (artist_name, title)
        tracks = [
            self.catalogue.tracks[t]
            for t in self._lastfm_tracks.get(key, [])
            if view.track_visible(self.catalogue.tracks[t])
        ]
        if not tracks or unit(self.seed, "lastfm missing", *key) < 0.05:
            raise lastfm_error(6, "Track not found")
        first = min(tracks, key=lambda t: (t.release_day, t.id))
        artist = self.catalogue.artists[first.artist_ids[0]]
        album = self.catalogue.albums[first.album_id]
        playcount = sum(self.plays(t, view.n) for t in tracks)
        share = 0.12 + 0.2 * unit(self.seed, "listeners", *key)
        url = f"{LASTFM_WEB}/{quote_plus(artist.name)}/_/{quote_plus(first.name)}"
        md5 = _md5(self.seed, album.id)
        return {
            "track": {
                "name": first.name,
                "mbid": "",
                "url": url,
                "duration": str(first.duration_ms),
                "streamable": {"#text": "0", "fulltrack": "0"},
                "listeners": str(round(playcount * share)),
                "playcount": str(playcount),
                "artist": {
                    "name": artist.name,
                    "mbid": "",
                    "url": f"{LASTFM_WEB}/{quote_plus(artist.name)}",
                },
                "album": {
                    "artist": artist.name,
                    "title": album.name,
                    "mbid": "",
                    "url": f"{LASTFM_WEB}/{quote_plus(artist.name)}/{quote_plus(album.name)}",
                    "image": self._lastfm_images(md5),
                    "@attr": {"position": str(first.track_number)},
                },
                "toptags": {
                    "tag": [
                        {"name": g, "url": f"https://www.last.fm/tag/{quote_plus(g)}"}
                        for g in artist.genres
                    ]
                },
            }
        }

    def lastfm_artist(self, view: DateView, query: dict[str, str]) -> dict:
        self._index()
        name = (query.get("artist") or "").strip().lower()
        artist_id = self._artists_by_name.get(name)
        if artist_id is None:
            raise lastfm_error(6, "The artist you supplied could not be found")
        artist = self.catalogue.artists[artist_id]
        tracks = self.catalogue.tracks
        playcount = sum(self.plays(tracks[t], view.n) for t in artist.tracks)
        listeners = round(playcount * (0.05 + 0.1 * unit(self.seed, artist.id, "listeners")))
        url = f"{LASTFM_WEB}/{quote_plus(artist.name)}"
        return {
            "artist": {
                "name": artist.name,
                "mbid": "",
                "url": url,
                "image": self._lastfm_images(_md5(self.seed, artist.id)),
                "streamable": "0",
                "ontour": "0",
                "stats": {"listeners": str(listeners), "playcount": str(playcount)},
                "similar": {"artist": []},
                "tags": {
                    "tag": [
                        {"name": g, "url": f"https://www.last.fm/tag/{quote_plus(g)}"}
                        for g in artist.genres
                    ]
                },
                "bio": {
                    "links": {"link": {"#text": "", "rel": "original", "href": f"{url}/+wiki"}},
                    "published": "01 Jan 2010, 00:00",
                    "summary": f"{artist.name} is a simulated artist of the offline sandbox.",
                    "content": f"{artist.name} is a simulated artist of the offline sandbox.",
                },
            }
        }

    @staticmethod
    def _lastfm_images(md5: str) -> list[dict]:
        sizes = (("small", "34s"), ("medium", "64s"), ("large", "174s"), ("extralarge", "300x300"))
        return [{"#text": f"{LASTFM_IMAGES}/{px}/{md5}.png", "size": s} for s, px in sizes]
