"""The simulated catalogue: artists, albums and tracks, and how they evolve from day to day.

(Its playlists, drawn from these tracks, are in `ingestion.sandbox.playlists`.)

Structure (who released what, when) is fixed per seed. What changes with the date:

- visibility: an album (and its tracks) exists only from its release day. Besides a static back
  catalogue released before `SCHEDULE_START`, a release schedule adds one roster release in every
  6-day block from `SCHEDULE_START` on (on one of the block's first two days, so no two
  releases are more than 7 days apart and any week has something new);
- popularity: per track, a base level (hits stay hits) plus a release hype that decays, a smooth
  two-octave value noise (most values move by 0-2 a day) and rare "viral" events that make a few
  tracks rise or fall sharply for a couple of weeks; clamped to 0..100. Album and artist
  popularity derive from their tracks', as Spotify documents;
- followers grow slowly with a small daily wobble.

Every value is a function of hashes of (seed, id, day), so answers are reproducible.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, timedelta

from ingestion.sandbox.ids import between, h64, pick, spotify_id, unit

# Releases before this day form the static back catalogue; from it on, the rolling schedule.
SCHEDULE_START = date(2025, 1, 1)
SCHEDULE_BLOCK_DAYS = 6
ORIGIN = date(2000, 1, 1)  # day numbers count from here

MARKETS = (
    "AR", "AU", "AT", "BE", "BR", "CA", "CL", "CO", "DE", "DK", "ES", "FI", "FR", "GB", "IE",
    "IT", "JP", "MX", "NL", "NO", "NZ", "PL", "PT", "SE", "US",
)  # fmt: skip


@dataclass(frozen=True)
class RosterArtist:
    name: str
    id: str
    genres: tuple[str, ...]
    popularity: int
    followers: int
    first_year: int
    label: str
    explicit_share: float


ROSTER: tuple[RosterArtist, ...] = (
    RosterArtist(
        "Bad Bunny",
        "4q3ewBCX7sLwd24euuV69X",
        ("reggaeton", "trap latino", "urbano latino"),
        95,
        91_000_000,
        2016,
        "Rimas Entertainment LLC",
        0.75,
    ),
    RosterArtist(
        "Dua Lipa", "6M2wZ9GZgrQXHCFfjv46we", ("pop",), 89, 46_000_000, 2015, "Warner Records", 0.05
    ),
    RosterArtist(
        "Parcels",
        "3oKRxpszQKUjjaHz388fVA",
        ("nu disco", "indie funk"),
        62,
        1_300_000,
        2014,
        "Because Music",
        0.0,
    ),
    RosterArtist(
        "Red Hot Chili Peppers",
        "0L8ExT028jH3ddEcZwqJJ5",
        ("alternative rock", "funk rock"),
        84,
        22_000_000,
        1984,
        "Warner Records",
        0.3,
    ),
    RosterArtist(
        "Oasis",
        "2DaxqgrOhkeH0fpeiQq2f4",
        ("britpop", "rock"),
        83,
        11_500_000,
        1994,
        "Big Brother Recordings Ltd",
        0.05,
    ),
    RosterArtist(
        "Charlie Brown Jr.",
        "1on7ZQ2pvgeQF4vmIA09x5",
        ("rock brasileiro", "skate punk"),
        67,
        4_200_000,
        1997,
        "EMI Music Brasil",
        0.35,
    ),
    RosterArtist(
        "Eminem",
        "7dGJo4pcD2V6oG8kP0tJRR",
        ("hip hop", "rap"),
        90,
        95_000_000,
        1996,
        "Shady/Aftermath/Interscope Records",
        0.9,
    ),
    RosterArtist(
        "Imagine Dragons",
        "53XhwfbYqKCa1cC15pYq2q",
        ("pop rock", "modern rock"),
        87,
        55_000_000,
        2012,
        "KIDinaKORNER/Interscope Records",
        0.05,
    ),
    RosterArtist(
        "Johnny Cash",
        "6kACVPfCOnqzgfEF5ryl0x",
        ("country", "outlaw country"),
        76,
        6_300_000,
        1957,
        "Columbia/Legacy",
        0.0,
    ),
    RosterArtist(
        "Linkin Park",
        "6XyY86QOPPrYVGvF9ch6wz",
        ("nu metal", "alternative metal"),
        88,
        30_000_000,
        2000,
        "Warner Records",
        0.3,
    ),
    RosterArtist(
        "Twenty One Pilots",
        "3YQKmKGau1PzlVlkL1iodx",
        ("alternative pop", "indie rock"),
        82,
        27_000_000,
        2009,
        "Fueled By Ramen",
        0.05,
    ),
)

GENRES = (
    "indie pop", "electropop", "latin pop", "dancehall", "deep house", "soul", "r&b", "grunge",
    "post-punk", "synthwave", "folk", "bossa nova", "drill", "k-pop", "afrobeats", "shoegaze",
)  # fmt: skip
FIRST = (
    "Nova", "Luna", "Marco", "Sofia", "Jay", "Lil", "DJ", "Kai", "Ines", "Theo", "Mila", "Rafa",
    "Zoe", "Ozzy", "Nina", "Leo", "Ari", "Cleo", "Dante", "Iris", "Juno", "Remy", "Sol", "Vega",
)  # fmt: skip
LAST = (
    "Vance", "Rivera", "Stone", "Moreau", "Okafor", "Lindqvist", "Santos", "Black", "Kowalski",
    "Hart", "Nakamura", "Reyes", "Quinn", "Duarte", "Falk", "Amaro", "Wilde", "Costa", "Byrne",
)  # fmt: skip
BANDS = (
    "The Velvet Hours", "Paper Lanterns", "Neon Harbor", "Glass Animals Club", "Static Bloom",
    "Wild Coast", "Echo Park Society", "Low Tide", "Satellite Hearts", "Golden Static",
)  # fmt: skip
ADJ = (
    "Golden", "Electric", "Silent", "Broken", "Endless", "Neon", "Wild", "Velvet", "Hollow",
    "Midnight", "Burning", "Crystal", "Fading", "Savage", "Lonely", "Sweet", "Cold", "Bright",
    "Restless", "Sacred", "Lucky", "Blue", "Paper", "Digital", "Lost", "Tropical",
)  # fmt: skip
NOUN = (
    "Hearts", "Summer", "Highway", "Echoes", "Fire", "Dreams", "Rain", "Skyline", "Ghosts",
    "Paradise", "Thunder", "Waves", "Mirrors", "Shadows", "Gold", "Lights", "Sirens", "Roses",
    "Horizon", "Streets", "Nights", "Desert", "Ocean", "Engine", "Garden", "Satellites",
)  # fmt: skip
SPANISH = (
    "Noche", "Perreo", "Corazón", "Playa", "Fuego", "Luna", "Calle", "Baila", "Tú y Yo",
    "Otra Vez", "Sin Ti", "Callaíta", "Mañana", "Vete", "Amorfoda", "Safaera",
)  # fmt: skip
PORTUGUESE = (
    "Céu Azul", "Dias de Luta", "Zóio de Lula", "Só os Loucos Sabem", "Proibida pra Mim",
    "Lugar ao Sol", "Meu Novo Mundo", "Tudo Mudar", "Senhor do Tempo", "Papo Reto",
)  # fmt: skip


def day_number(d: date) -> int:
    return (d - ORIGIN).days


@dataclass(slots=True)
class Artist:
    id: str
    name: str
    genres: tuple[str, ...]
    popularity: int  # base level the tracks are drawn around
    followers: int
    kind: str  # "roster", "guest" or "extra"
    image_key: str
    label: str
    explicit_share: float
    albums: list[tuple[str, str]] = field(default_factory=list)  # (album id, album_group)
    tracks: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Album:
    id: str
    name: str
    album_type: str
    artist_ids: tuple[str, ...]
    release: date
    precision: str
    label: str
    upc: str
    markets: tuple[str, ...]
    image_key: str
    track_ids: list[str] = field(default_factory=list)

    @property
    def release_date(self) -> str:
        if self.precision == "year":
            return f"{self.release.year:04d}"
        if self.precision == "month":
            return f"{self.release.year:04d}-{self.release.month:02d}"
        return self.release.isoformat()


@dataclass(slots=True)
class Track:
    id: str
    name: str
    album_id: str
    artist_ids: tuple[str, ...]
    disc_number: int
    track_number: int
    duration_ms: int
    explicit: bool
    isrc: str
    base: float
    hype: float
    release_day: int
    search_text: str = ""


class Catalogue:
    """The whole simulated catalogue for one seed; `view(day)` gives the state on a day."""

    def __init__(self, seed: int = 42, extra_artists: int = 0) -> None:
        self.seed = seed
        self.artists: dict[str, Artist] = {}
        self.albums: dict[str, Album] = {}
        self.tracks: dict[str, Track] = {}
        self._lock = threading.Lock()
        self._views: OrderedDict[date, DateView] = OrderedDict()
        self._scheduled_until = SCHEDULE_START - timedelta(days=1)
        self._next_block = 0

        self.roster_ids = [r.id for r in ROSTER]
        self._first_year = {r.id: r.first_year for r in ROSTER}
        for r in ROSTER:
            self._add_artist(
                Artist(
                    r.id,
                    r.name,
                    r.genres,
                    r.popularity,
                    r.followers,
                    "roster",
                    self._image_key("artist", r.id),
                    r.label,
                    r.explicit_share,
                )
            )
        # Non-tracked collaborators: featured on roster tracks, with a small catalogue of their own.
        self.guest_ids = [self._new_artist("guest", i) for i in range(24)]
        self.generated_artist_ids = [self._new_artist("extra", i) for i in range(extra_artists)]

        for r in ROSTER:
            self._back_catalogue(self.artists[r.id], r.first_year, between(4, 8, seed, r.id, "n"))
        for artist_id in self.guest_ids:
            self._back_catalogue(self.artists[artist_id], between(2008, 2020, seed, artist_id), 3)
        for artist_id in self.generated_artist_ids:
            n = between(3, 8, seed, artist_id, "n")
            self._back_catalogue(self.artists[artist_id], between(1995, 2020, seed, artist_id), n)

    # --- structure --------------------------------------------------------------------------

    @property
    def roster(self) -> list[tuple[str, str]]:
        return [(r.name, r.id) for r in ROSTER]

    def _image_key(self, *parts: object) -> str:
        return f"{h64(self.seed, 'img', *parts):016x}{h64(self.seed, 'img2', *parts):016x}"[:24]

    def _add_artist(self, artist: Artist) -> None:
        self.artists[artist.id] = artist

    def _new_artist(self, kind: str, i: int) -> str:
        s = self.seed
        artist_id = spotify_id(s, kind, i)
        if unit(s, kind, i, "band") < 0.3:
            name = pick(BANDS, s, kind, i, "band name")
            if kind == "extra" or i >= len(BANDS):
                name = f"{name} {i}"  # keep names unique, so searches stay unambiguous
        else:
            name = f"{pick(FIRST, s, kind, i, 'f')} {pick(LAST, s, kind, i, 'l')}"
            if kind == "extra":
                name = f"{name} {i}"
        genres = tuple(sorted({pick(GENRES, s, artist_id, g) for g in range(between(0, 3, s, i))}))
        pop = between(20, 75, s, artist_id, "pop")
        followers = int(10 ** (3 + 4 * unit(s, artist_id, "fol")))
        self._add_artist(
            Artist(
                artist_id,
                name,
                genres,
                pop,
                followers,
                kind,
                self._image_key("artist", artist_id),
                f"{pick(LAST, s, artist_id, 'label')} Records",
                between(0, 60, s, artist_id) / 100,
            )
        )
        return artist_id

    def _title(self, artist: Artist, *parts: object) -> str:
        s = self.seed
        r = unit(s, *parts, "style")
        if "reggaeton" in artist.genres and r < 0.6:
            return pick(SPANISH, s, *parts, "es")
        if "rock brasileiro" in artist.genres and r < 0.6:
            return pick(PORTUGUESE, s, *parts, "pt")
        if r < 0.75:
            return f"{pick(ADJ, s, *parts, 'a')} {pick(NOUN, s, *parts, 'n')}"
        if r < 0.9:
            return pick(NOUN, s, *parts, "n1")
        return f"{pick(NOUN, s, *parts, 'n1')} of {pick(NOUN, s, *parts, 'n2')}"

    def _back_catalogue(self, artist: Artist, first_year: int, count: int) -> None:
        """Releases spread from `first_year` to the schedule start, oldest first."""
        start = day_number(date(first_year, 1, 1))
        span = day_number(SCHEDULE_START) - 1 - start
        days = sorted(
            start + int(span * unit(self.seed, artist.id, "rel", i)) for i in range(count)
        )
        albums_so_far = 0
        for i, d in enumerate(days):
            r = unit(self.seed, artist.id, "type", i)
            if i == 0 or r < 0.45:
                album_type = "album"
            elif albums_so_far >= 2 and r > 0.9:
                album_type = "compilation"
            else:
                album_type = "single"
            albums_so_far += album_type == "album"
            self._add_release(artist, ("back", i), ORIGIN + timedelta(days=d), album_type)
        # A guaranteed collaboration between two tracked artists, so joins across the roster
        # are exercised on every seed.
        if artist.kind == "roster":
            others = [a for a in self.roster_ids if a != artist.id]
            partner = pick(others, self.seed, artist.id, "partner")
            # ... recorded when both were active.
            both = max(start, day_number(date(self._first_year[partner], 1, 1)))
            span = day_number(SCHEDULE_START) - 1 - both
            when = ORIGIN + timedelta(days=both + int(span * unit(self.seed, artist.id, "collab")))
            self._add_release(artist, ("collab",), when, "single", partner=partner)

    def _add_release(
        self,
        artist: Artist,
        key: tuple,
        released: date,
        album_type: str,
        partner: str | None = None,
    ) -> Album:
        s = self.seed
        album_id = spotify_id(s, "album", artist.id, *key)
        if released.year < 1990:
            precision = "year"
        elif released.year < 2006 and unit(s, album_id, "prec") < 0.5:
            precision = "month"
        else:
            precision = "day"
        if album_type == "album":
            n_tracks = between(8, 18, s, album_id, "n")
        elif album_type == "compilation":
            n_tracks = between(12, 18, s, album_id, "n")
        else:
            n_tracks = between(1, 3, s, album_id, "n")
        name = self._title(artist, album_id, "title")
        if album_type == "compilation":
            name = pick(("Greatest Hits", "The Essential", "Live", "Collected"), s, album_id)
            name = f"{name} {artist.name}" if name == "The Essential" else name
        album_artists = (artist.id,)
        if partner and unit(s, album_id, "joint") < 0.5:
            album_artists = (artist.id, partner)  # a joint single: both credited on the album
        excluded = {pick(MARKETS, s, album_id, "x", k) for k in range(between(0, 3, s, album_id))}
        album = Album(
            album_id, name, album_type, album_artists, released, precision,
            self.artists[artist.id].label, f"{between(10**11, 10**12 - 1, s, album_id, 'upc')}",
            tuple(m for m in MARKETS if m not in excluded), self._image_key("album", album_id),
        )  # fmt: skip
        self.albums[album_id] = album
        hits = {
            between(1, n_tracks, s, album_id, "hit", k) for k in range(between(1, 3, s, album_id))
        }
        for number in range(1, n_tracks + 1):
            track_id = spotify_id(s, "track", album_id, number)
            track_artists = album_artists
            r = unit(s, track_id, "feat")
            title = self._title(artist, track_id, "title") if n_tracks > 1 or number > 1 else name
            if partner and number == 1:
                track_artists = (artist.id, partner)  # the collaboration lists both artists
            elif r < 0.12 and artist.kind != "guest":
                guest = pick(self.guest_ids, s, track_id, "guest")
                track_artists = (*album_artists, guest)
                title = f"{title} (feat. {self.artists[guest].name})"
            explicit = unit(s, track_id, "explicit") < artist.explicit_share
            hit = number in hits
            base = artist.popularity - (10 if hit else 28) + 14 * (unit(s, track_id, "base") - 0.5)
            if album_type == "compilation":
                base -= 8
            age_years = (SCHEDULE_START - released).days / 365
            # Old deep cuts fade; hits stay (a popular track stays popular).
            age_penalty = min(15.0, age_years) if not hit and age_years > 8 else 0.0
            track = Track(
                track_id, title, album_id, track_artists, 1, number,
                between(95_000, 330_000, s, track_id, "dur"), explicit,
                self._isrc(track_id, released.year), base - age_penalty,
                between(3, 14, s, track_id, "hype"), day_number(released),
            )  # fmt: skip
            names = " ".join(self.artists[a].name for a in track_artists)
            track.search_text = f"{title} {names} {name}".lower()
            self.tracks[track_id] = track
            album.track_ids.append(track_id)
            for a in track_artists:
                self.artists[a].tracks.append(track_id)
        groups = dict.fromkeys(album_artists, album_type)
        for track_id in album.track_ids:
            for a in self.tracks[track_id].artist_ids:
                groups.setdefault(a, "appears_on")
        for a, group in groups.items():
            self.artists[a].albums.append((album_id, group))
        return album

    def _isrc(self, track_id: str, year: int) -> str:
        country = pick(("US", "GB", "QM", "BR", "DE", "FR", "ES"), self.seed, track_id, "cc")
        letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        registrant = "".join(pick(letters, self.seed, track_id, "reg", k) for k in range(3))
        return f"{country}{registrant}{year % 100:02d}{between(0, 99999, self.seed, track_id):05d}"

    def ensure_until(self, day: date) -> None:
        """Extend the rolling release schedule to `day` (each block's release depends on the
        block number only, so the order in which days are asked for does not matter)."""
        if day <= self._scheduled_until:
            return
        with self._lock:
            while self._scheduled_until < day:
                block = self._next_block
                first = SCHEDULE_START + timedelta(days=block * SCHEDULE_BLOCK_DAYS)
                released = first + timedelta(days=h64(self.seed, "block", block) % 2)
                # Round-robin over a per-cycle shuffle: every artist releases at the same pace.
                cycle, turn = divmod(block, len(self.roster_ids))
                order = sorted(
                    self.roster_ids, key=lambda a, c=cycle: h64(self.seed, "cycle", c, a)
                )
                artist = self.artists[order[turn]]
                r = unit(self.seed, "block type", block)
                album_type = "album" if r < 0.2 else "single"
                partner = None
                if r > 0.8:
                    others = [a for a in self.roster_ids if a != artist.id]
                    partner = pick(others, self.seed, "block partner", block)
                self._add_release(artist, ("block", block), released, album_type, partner)
                self._next_block += 1
                self._scheduled_until = first + timedelta(days=SCHEDULE_BLOCK_DAYS - 1)

    # --- the state on a day -----------------------------------------------------------------

    def view(self, day: date) -> DateView:
        self.ensure_until(day)
        with self._lock:
            view = self._views.get(day)
            if view is None:
                view = DateView(self, day)
                self._views[day] = view
                if len(self._views) > 32:
                    self._views.popitem(last=False)
            else:
                self._views.move_to_end(day)
            return view


def _value_noise(seed: int, key: str, n: int, period: int, octave: str) -> float:
    """Smooth noise in [-1, 1]: hashed knots every `period` days, smoothstep in between."""
    k, rem = divmod(n, period)
    t = rem / period
    t = t * t * (3 - 2 * t)
    a = unit(seed, key, octave, k) * 2 - 1
    b = unit(seed, key, octave, k + 1) * 2 - 1
    return a + (b - a) * t


def popularity_on(seed: int, track: Track, n: int) -> int:
    """A track's popularity on day number `n` (no view needed: the open signals sum it
    over past days)."""
    s, key = seed, track.id
    age = n - track.release_day
    level = track.base + track.hype * math.exp(-age / 40)
    level += 3 * _value_noise(s, key, n, 7, "weekly") + 6 * _value_noise(s, key, n, 37, "slow")
    # Rare events: about 2% of tracks a week start to go viral (or sink) for ~3 weeks.
    week = n // 7
    for w in range(week - 3, week + 1):
        if unit(s, key, "event", w) < 0.02:
            start = w * 7 + h64(s, key, "event day", w) % 7
            since = n - start
            if since >= 0:
                size = (10 + 18 * unit(s, key, "event size", w)) * (
                    1 if unit(s, key, "event sign", w) < 0.7 else -1
                )
                shape = min(1.0, since / 3) * math.exp(-max(0, since - 3) / 9)
                level += size * shape
    return max(0, min(100, round(level)))


class DateView:
    """The catalogue as it stands on one day; values are computed lazily and memoised."""

    def __init__(self, catalogue: Catalogue, day: date) -> None:
        self.catalogue = catalogue
        self.day = day
        self.n = day_number(day)
        self._popularity: dict[str, int] = {}
        self._artist_popularity: dict[str, int] = {}
        self._top: dict[str, list[str]] = {}
        self.memo: dict[str, dict] = {}  # other per-day values, e.g. playlists' items

    def album_visible(self, album: Album) -> bool:
        return album.release <= self.day

    def track_visible(self, track: Track) -> bool:
        return track.release_day <= self.n

    def track_popularity(self, track: Track) -> int:
        value = self._popularity.get(track.id)
        if value is None:
            value = self._compute_popularity(track)
            self._popularity[track.id] = value
        return value

    def _compute_popularity(self, track: Track) -> int:
        return popularity_on(self.catalogue.seed, track, self.n)

    def album_popularity(self, album: Album) -> int:
        pops = [self.track_popularity(self.catalogue.tracks[t]) for t in album.track_ids]
        return max(0, min(100, round(0.6 * max(pops) + 0.4 * sum(pops) / len(pops))))

    def top_track_ids(self, artist: Artist) -> list[str]:
        """The artist's ten most popular visible tracks (ties broken by id)."""
        top = self._top.get(artist.id)
        if top is None:
            tracks = self.catalogue.tracks
            visible = [tracks[t] for t in artist.tracks if tracks[t].release_day <= self.n]
            visible.sort(key=lambda t: (-self.track_popularity(t), t.id))
            top = [t.id for t in visible[:10]]
            self._top[artist.id] = top
        return top

    def artist_popularity(self, artist: Artist) -> int:
        value = self._artist_popularity.get(artist.id)
        if value is None:
            pops = [
                self.track_popularity(self.catalogue.tracks[t]) for t in self.top_track_ids(artist)
            ][:5]
            value = round(0.6 * max(pops) + 0.4 * sum(pops) / len(pops)) if pops else 0
            value = max(0, min(100, value))
            self._artist_popularity[artist.id] = value
        return value

    def followers(self, artist: Artist) -> int:
        s = self.catalogue.seed
        growth = 0.0001 + 0.0004 * unit(s, artist.id, "growth")
        days = self.n - day_number(SCHEDULE_START)
        wobble = 0.002 * _value_noise(s, artist.id, self.n, 5, "followers")
        return max(0, int(artist.followers * (1 + growth * days + wobble)))

    def artist_albums(self, artist: Artist) -> list[tuple[Album, str]]:
        """Visible albums of the artist in Spotify's order: by group, newest first."""
        order = {"album": 0, "single": 1, "compilation": 2, "appears_on": 3}
        albums = self.catalogue.albums
        found = [(albums[a], g) for a, g in artist.albums if albums[a].release <= self.day]
        found.sort(key=lambda ag: (order[ag[1]], -day_number(ag[0].release), ag[0].id))
        return found
