"""Extract one snapshot day: artists, top tracks, albums (docs/interfaces.md sections 2 and 3).

`extract_day` runs the three steps on one client (one token, one tier detection) and writes
all files only once everything was fetched, so a failed run leaves the previous files alone.
The DAG runs `extract_artists`, `extract_top_tracks` and `extract_albums` as separate tasks
(processes): each validates its input, fetches, then writes its own file atomically, and the
later ones take `tier=` from the first so the tier is detected once per run.

Request economy (the acceptance tests compare the sandbox's own counts with these minima):
- extended: batch artists (50 per call), 1 top-tracks call per artist, album pages of 10,
  full albums of the top tracks in batches of 20;
- development: 1 artist call per artist, album pages of 10, search pages (10 results) until
  10 tracks crediting the artist are found, 1 call per distinct top-track album.
In `auto`, the first batch (or top-tracks) call is the probe: in extended it is a call the run
needs anyway, so detection is free; in development it costs the one 403.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from ingestion.client import SpotifyClient, Transport
from ingestion.errors import (
    ForbiddenError,
    InvalidArtistIdError,
    MalformedResponseError,
    MissingInputError,
    NotFoundError,
    SnapshotDateError,
    SpotifyApiError,
    TierError,
)
from ingestion.raw_writer import (
    ALBUM_COLUMNS,
    ARTIST_COLUMNS,
    TOP_TRACK_COLUMNS,
    compact_json,
    raw_path,
    read_csv,
    summary_path,
    write_csv,
    write_json,
)
from ingestion.roster import Artist, load_roster, resolve_artists_file
from ingestion.settings import SPOTIFY_API_BASE_URL, Settings

log = logging.getLogger(__name__)

ARTISTS_BATCH = 50
ALBUMS_BATCH = 20
PAGE_LIMIT = 10  # the 2026 maximum of /artists/{id}/albums and /search
TOP_TRACKS = 10
MARKET = "US"
SANDBOX_CLIENT_ID = "sandbox-client-id"
SANDBOX_CLIENT_SECRET = "sandbox-client-secret"  # noqa: S105 - the sandbox accepts anything
EXTENDED, DEVELOPMENT = "extended", "development"

T = TypeVar("T")
R = TypeVar("R")


# --- inputs -----------------------------------------------------------------------------------
def parse_snapshot_date(value: date | str) -> date:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise SnapshotDateError(
            f"snapshot date {value!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-11-25."
        ) from None


def today_utc() -> date:
    return datetime.now(UTC).date()


def check_not_future(snapshot: date) -> None:
    if snapshot > today_utc():
        raise SnapshotDateError(
            f"snapshot date {snapshot} is in the future (today is {today_utc()} UTC): nobody "
            "can extract it yet; pass today's date or an earlier one."
        )


def resolve_data_dir(data_dir: str | os.PathLike | None) -> Path:
    return Path(data_dir or os.environ.get("DATA_DIR") or "data")


# --- the run context --------------------------------------------------------------------------
class TierState:
    """The access tier: configured, handed over by an earlier step, or detected once."""

    def __init__(self, configured: str, given: str | None) -> None:
        if given not in (None, "", "auto", EXTENDED, DEVELOPMENT):
            raise TierError(f"tier={given!r} is not extended, development or auto.")
        self.configured = configured
        self.value: str | None = given if given in (EXTENDED, DEVELOPMENT) else None
        if self.value is None and configured != "auto":
            self.value = configured
        self._lock = threading.Lock()

    def found_development(self, what: str) -> None:
        with self._lock:
            if self.configured == EXTENDED:
                raise TierError(
                    f"SPOTIFY_ACCESS_TIER=extended, but {what} answered HTTP 403, as it does for "
                    "a Development Mode app: set SPOTIFY_ACCESS_TIER=development (or auto)."
                )
            if self.value != DEVELOPMENT:
                log.info("Spotify access tier: development (%s answered HTTP 403)", what)
            self.value = DEVELOPMENT

    def found_extended(self, what: str) -> None:
        with self._lock:
            if self.value is None:
                log.info("Spotify access tier: extended (%s answered)", what)
                self.value = EXTENDED


@dataclass
class Run:
    snapshot: date
    settings: Settings
    client: SpotifyClient
    tier: TierState
    started: float = field(default_factory=time.monotonic)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def transport(self) -> Transport:
        return self.client.transport

    @property
    def mode(self) -> str:
        return "sandbox" if self.transport.is_sandbox else "spotify"

    @property
    def extracted_at(self) -> str:
        if self.transport.is_sandbox:
            # The sandbox's simulated instant: reruns give byte-identical files.
            return f"{self.snapshot.isoformat()}T00:00:00Z"
        return self.started_at.strftime("%Y-%m-%dT%H:%M:%SZ")

    def skip(self, artist_id: str, reason: str) -> None:
        if artist_id not in self.skipped:
            log.warning(
                "artist %s skipped: %s; remove it from the roster if it is gone for good",
                artist_id,
                reason,
            )
            self.skipped[artist_id] = reason

    def pool_map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """Run per-artist (or per-album) calls on the bounded pool; first error stops it."""
        if len(items) <= 1 or self.settings.max_workers == 1:
            return [fn(item) for item in items]
        pool = ThreadPoolExecutor(self.settings.max_workers, thread_name_prefix="spotify")
        try:
            futures = [pool.submit(fn, item) for item in items]
            return [future.result() for future in futures]
        finally:
            # On an error, do not start the calls still queued: the run fails anyway.
            pool.shutdown(wait=True, cancel_futures=True)

    def summary_part(self, rows: dict[str, int]) -> dict[str, Any]:
        stats = self.transport.stats()
        return {
            "snapshot_date": self.snapshot.isoformat(),
            "tier": self.tier.value or "unknown",
            "mode": self.mode,
            "rows": rows,
            "requests": stats["requests"],
            "requests_total": stats["requests_total"],
            "retries": stats["retries"],
            "rate_limited": stats["rate_limited"],
            "skipped_artists": [
                {"id": artist_id, "reason": reason}
                for artist_id, reason in sorted(self.skipped.items())
            ],
            "duration_seconds": round(time.monotonic() - self.started, 3),
            "extracted_at": self.extracted_at,
        }


@contextlib.contextmanager
def open_run(
    snapshot_date: date | str,
    *,
    settings: Settings | None = None,
    allow_past_date: bool = False,
    tier: str | None = None,
) -> Iterator[Run]:
    """Validate the date, connect (starting the offline sandbox when there are no
    credentials), refuse a past date against the real API, and yield the run."""
    snapshot = parse_snapshot_date(snapshot_date)
    check_not_future(snapshot)
    settings = settings or Settings.from_env()
    tier_state = TierState(settings.access_tier, tier)
    with contextlib.ExitStack() as stack:
        own_sandbox = not settings.has_credentials
        if own_sandbox:
            settings = stack.enter_context(_offline_sandbox(settings))
        transport = Transport(settings, sandbox_date=snapshot.isoformat(), sandbox=own_sandbox)
        client = SpotifyClient(settings, transport)
        stack.callback(client.close)
        run = Run(snapshot=snapshot, settings=settings, client=client, tier=tier_state)
        if tier_state.value:
            origin = "from the previous step" if tier in (EXTENDED, DEVELOPMENT) else "configured"
            log.info("Spotify access tier: %s (%s)", tier_state.value, origin)
        if snapshot < today_utc() and not transport.is_sandbox:
            # The token request (needed anyway) tells us whether the server is a sandbox.
            client.auth_manager.token()
            if not transport.is_sandbox and not allow_past_date:
                raise SnapshotDateError(
                    f"snapshot date {snapshot} is in the past and the server is the real "
                    "Spotify API, which only knows today: extract today's date, or pass "
                    "--allow-past-date (allow_past_date=True) to store today's data under "
                    f"{snapshot} with the true extracted_at."
                )
        yield run


@contextlib.contextmanager
def _offline_sandbox(settings: Settings) -> Iterator[Settings]:
    from ingestion.sandbox import SandboxServer  # the sandbox is only needed offline

    log.warning("no Spotify credentials: using the offline sandbox")
    if settings.api_base_url != SPOTIFY_API_BASE_URL:
        # Credentials decide the mode; say so rather than silently ignore the URL.
        log.warning(
            "SPOTIFY_API_BASE_URL=%s is ignored without credentials: to use that server (e.g. "
            "`make sandbox`), set SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET to any values",
            settings.api_base_url,
        )
    sandbox_tier = DEVELOPMENT if settings.access_tier == DEVELOPMENT else EXTENDED
    with SandboxServer(tier=sandbox_tier) as server:
        log.info("offline sandbox (%s tier) at %s", sandbox_tier, server.api_base_url)
        yield settings.replace(
            client_id=SANDBOX_CLIENT_ID,
            client_secret=SANDBOX_CLIENT_SECRET,
            api_base_url=server.api_base_url,
            token_url=server.token_url,
        )


# --- response checks --------------------------------------------------------------------------
def _require(obj: Any, kind: str, *fields: str) -> dict[str, Any]:
    """A response object must be a JSON object with the fields the raw layer keys on."""
    if not isinstance(obj, dict):
        raise MalformedResponseError(
            f"the API returned a {kind} that is not a JSON object: the response is malformed; "
            "run again later, and report it if it persists.",
            endpoint=kind,
        )
    for name in fields or ("id", "name"):
        if not isinstance(obj.get(name), str) or not obj.get(name):
            shown = obj.get("id") if isinstance(obj.get("id"), str) else "?"
            raise MalformedResponseError(
                f"the API returned a {kind} (id {shown}) without its required field "
                f"'{name}': the response is malformed; nothing was written; run again later.",
                endpoint=kind,
            )
    return obj


def _page(body: Any, kind: str, key: str | None = None) -> dict[str, Any]:
    page = body.get(key) if key and isinstance(body, dict) else body
    if not isinstance(page, dict) or not isinstance(page.get("items"), list):
        raise MalformedResponseError(
            f"the API returned a {kind} page without an 'items' list: the response is "
            "malformed; nothing was written; run again later.",
            endpoint=kind,
        )
    return page


def _list(body: Any, key: str, kind: str) -> list[Any]:
    items = body.get(key) if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise MalformedResponseError(
            f"the API's {kind} response has no '{key}' list: the response is malformed; "
            "nothing was written; run again later.",
            endpoint=kind,
        )
    return items


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
    objects = _list(body, "artists", "artists")
    result = {}
    for artist_id, obj in zip(chunk, objects + [None] * (len(chunk) - len(objects)), strict=False):
        if obj is None:
            run.skip(artist_id, "not found (the API returned null for this id)")
            continue
        result[artist_id] = _require(obj, "artist")
    return result


def _artist_one(run: Run, artist_id: str) -> dict[str, Any] | None:
    try:
        return _require(run.client.artist(artist_id), "artist")
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


def artist_rows(run: Run, artists: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "snapshot_date": run.snapshot.isoformat(),
            "extracted_at": run.extracted_at,
            "artist_id": artist_id,
            "artist_name": obj["name"],
            "artist_json": compact_json(obj),
        }
        for artist_id, obj in sorted(artists.items())
    ]


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
    tracks = _list(body, "tracks", "top tracks")[:TOP_TRACKS]
    return [_require_track(t) for t in tracks]


def _search_top_tracks(run: Run, artist: Artist) -> list[dict[str, Any]]:
    """Development Mode stand-in for top tracks: the first 10 tracks of a track search for
    the artist that credit the artist (search also matches namesakes and features)."""
    name = artist.name.replace('"', "")
    page = _page(
        run.client.search(f'artist:"{name}"', limit=PAGE_LIMIT, type="track"), "search", "tracks"
    )
    found: list[dict[str, Any]] = []
    seen: set[str] = set()
    while True:
        for item in page["items"]:
            if item is None:
                continue
            track = _require_track(item)
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
        page = _page(run.client.next(page), "search", "tracks")


def _require_track(obj: Any) -> dict[str, Any]:
    track = _require(obj, "track")
    _require(track.get("album"), "track's album", "id")
    return track


def top_track_rows(run: Run, top: dict[str, tuple[str, list]]) -> list[dict[str, Any]]:
    rows = []
    for artist_id, (source, tracks) in sorted(top.items()):
        for rank, track in enumerate(tracks, start=1):
            rows.append(
                {
                    "snapshot_date": run.snapshot.isoformat(),
                    "extracted_at": run.extracted_at,
                    "tracked_artist_id": artist_id,
                    "rank": rank,
                    "track_id": track["id"],
                    "track_name": track["name"],
                    "source": source,
                    "track_json": compact_json(track),
                }
            )
    return rows


# --- albums -----------------------------------------------------------------------------------
def fetch_artist_albums(run: Run, artists: Sequence[Artist]) -> dict[str, list[dict[str, Any]]]:
    pages = run.pool_map(lambda a: _albums_of(run, a), artists)
    return {a.id: albums for a, albums in zip(artists, pages, strict=True) if albums is not None}


def _albums_of(run: Run, artist: Artist) -> list[dict[str, Any]] | None:
    try:
        page = _page(run.client.artist_albums(artist.id, limit=PAGE_LIMIT), "artist albums")
    except NotFoundError:
        run.skip(artist.id, "not found (HTTP 404 from artist albums)")
        return None
    albums = []
    while True:
        albums.extend(_require(item, "album") for item in page["items"] if item is not None)
        if not page.get("next"):
            return albums
        page = _page(run.client.next(page), "artist albums")


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
    objects = _list(run.client.albums(chunk), "albums", "albums")
    result = {}
    for album_id, obj in zip(chunk, objects, strict=False):
        if obj is None:
            log.warning("album %s of a top track was not found: left out", album_id)
            continue
        result[album_id] = _require(obj, "album")
    return result


def _album_one(run: Run, album_id: str) -> dict[str, Any] | None:
    try:
        return _require(run.client.album(album_id), "album")
    except NotFoundError:
        log.warning("album %s of a top track was not found (HTTP 404): left out", album_id)
        return None


def album_rows(
    run: Run, by_artist: dict[str, list[dict[str, Any]]], full: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    keyed: dict[tuple[str, str, str], dict[str, Any]] = {}

    def add(obj: dict[str, Any], tracked: str, source: str) -> None:
        # One row per album and (tracked artist, source); the first listing wins.
        keyed.setdefault(
            (obj["id"], tracked, source),
            {
                "snapshot_date": run.snapshot.isoformat(),
                "extracted_at": run.extracted_at,
                "album_id": obj["id"],
                "album_name": obj["name"],
                "tracked_artist_id": tracked,
                "source": source,
                "album_json": compact_json(obj),
            },
        )

    for artist_id, albums in by_artist.items():
        for obj in albums:
            add(obj, artist_id, "artist_albums")
    for obj in full.values():
        add(obj, "", "album")
    return [keyed[key] for key in sorted(keyed)]


def top_track_album_ids(rows: Sequence[dict[str, Any]]) -> list[str]:
    """Album ids of the top tracks, from rows in memory or read back from the CSV."""
    ids = []
    for row in rows:
        track = row["track_json"]
        track = json.loads(track) if isinstance(track, str) else track
        album_id = (track.get("album") or {}).get("id")
        if album_id:
            ids.append(album_id)
    return sorted(set(ids))


# --- steps ------------------------------------------------------------------------------------
def _tracked(run: Run, roster: list[Artist], data_dir: Path) -> list[Artist]:
    """The roster minus artists known to be gone, named as the API names them.

    In `extract_day` the artists step has just run; a step run on its own reads the artists
    file of the same date when it exists, so a deleted artist is not searched for again.
    """
    path = raw_path(data_dir, "artists", run.snapshot.isoformat())
    if run.skipped or not path.exists():
        return [a for a in roster if a.id not in run.skipped]
    names = {row["artist_id"]: row["artist_name"] for row in read_csv(path)}
    kept = []
    for artist in roster:
        if artist.id in names:
            kept.append(Artist(name=names[artist.id] or artist.name, id=artist.id))
        else:
            run.skip(artist.id, f"not in {path.name} of the artists step")
    return kept


def _step(
    name: str,
    snapshot_date: date | str,
    artists_file: str | os.PathLike | None,
    data_dir: str | os.PathLike | None,
    allow_past_date: bool,
    settings: Settings | None,
    tier: str | None,
    body: Callable[[Run, list[Artist], Path], dict[str, int]],
) -> dict[str, Any]:
    roster = load_roster(artists_file)  # validated before any request or write
    folder = resolve_data_dir(data_dir)
    with open_run(
        snapshot_date, settings=settings, allow_past_date=allow_past_date, tier=tier
    ) as run:
        log.info(
            "%s for %s: %d artists from %s",
            name,
            run.snapshot,
            len(roster),
            resolve_artists_file(artists_file),
        )
        rows = body(run, roster, folder)
        return run.summary_part(rows)


def extract_artists(
    snapshot_date: date | str,
    *,
    artists_file: str | os.PathLike | None = None,
    data_dir: str | os.PathLike | None = None,
    allow_past_date: bool = False,
    settings: Settings | None = None,
    tier: str | None = None,
) -> dict[str, Any]:
    """DAG step 1: writes raw/artists/<date>.csv; its summary's `tier` feeds the next steps."""

    def body(run: Run, roster: list[Artist], folder: Path) -> dict[str, int]:
        rows = artist_rows(run, fetch_artists(run, roster))
        write_csv(raw_path(folder, "artists", run.snapshot.isoformat()), ARTIST_COLUMNS, rows)
        return {"artists": len(rows)}

    return _step(
        "extract_artists",
        snapshot_date,
        artists_file,
        data_dir,
        allow_past_date,
        settings,
        tier,
        body,
    )


def extract_top_tracks(
    snapshot_date: date | str,
    *,
    artists_file: str | os.PathLike | None = None,
    data_dir: str | os.PathLike | None = None,
    allow_past_date: bool = False,
    settings: Settings | None = None,
    tier: str | None = None,
) -> dict[str, Any]:
    """DAG step 2: writes raw/top_tracks/<date>.csv."""

    def body(run: Run, roster: list[Artist], folder: Path) -> dict[str, int]:
        rows = top_track_rows(run, fetch_top_tracks(run, _tracked(run, roster, folder)))
        write_csv(raw_path(folder, "top_tracks", run.snapshot.isoformat()), TOP_TRACK_COLUMNS, rows)
        return {"top_tracks": len(rows)}

    return _step(
        "extract_top_tracks",
        snapshot_date,
        artists_file,
        data_dir,
        allow_past_date,
        settings,
        tier,
        body,
    )


def extract_albums(
    snapshot_date: date | str,
    *,
    artists_file: str | os.PathLike | None = None,
    data_dir: str | os.PathLike | None = None,
    allow_past_date: bool = False,
    settings: Settings | None = None,
    tier: str | None = None,
) -> dict[str, Any]:
    """DAG step 3: writes raw/albums/<date>.csv; needs raw/top_tracks/<date>.csv."""
    snapshot = parse_snapshot_date(snapshot_date)
    top_path = raw_path(resolve_data_dir(data_dir), "top_tracks", snapshot.isoformat())
    if not top_path.exists():
        raise MissingInputError(
            f"{top_path} does not exist: the albums step needs the top tracks of {snapshot}; "
            "run extract_top_tracks for that date first."
        )
    try:
        album_ids = top_track_album_ids(read_csv(top_path))
    except (ValueError, KeyError, AttributeError):
        raise MissingInputError(
            f"{top_path} is not a valid top-tracks file: run extract_top_tracks for "
            f"{snapshot} again."
        ) from None

    def body(run: Run, roster: list[Artist], folder: Path) -> dict[str, int]:
        by_artist = fetch_artist_albums(run, _tracked(run, roster, folder))
        rows = album_rows(run, by_artist, fetch_full_albums(run, album_ids))
        write_csv(raw_path(folder, "albums", run.snapshot.isoformat()), ALBUM_COLUMNS, rows)
        return {"albums": len(rows)}

    return _step(
        "extract_albums", snapshot, artists_file, data_dir, allow_past_date, settings, tier, body
    )


def extract_day(
    snapshot_date: date | str,
    *,
    artists_file: str | os.PathLike | None = None,
    data_dir: str | os.PathLike | None = None,
    allow_past_date: bool = False,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """The whole day on one client; writes the three CSVs and the run summary at the end."""

    def body(run: Run, roster: list[Artist], folder: Path) -> dict[str, int]:
        day = run.snapshot.isoformat()
        artists = fetch_artists(run, roster)
        tracked = [Artist(name=artists[a.id]["name"], id=a.id) for a in roster if a.id in artists]
        top = top_track_rows(run, fetch_top_tracks(run, tracked))
        tracked = [a for a in tracked if a.id not in run.skipped]
        by_artist = fetch_artist_albums(run, tracked)
        albums = album_rows(run, by_artist, fetch_full_albums(run, top_track_album_ids(top)))
        # Everything fetched: only now touch the files, so a failure leaves the old ones.
        write_csv(raw_path(folder, "artists", day), ARTIST_COLUMNS, artist_rows(run, artists))
        write_csv(raw_path(folder, "top_tracks", day), TOP_TRACK_COLUMNS, top)
        write_csv(raw_path(folder, "albums", day), ALBUM_COLUMNS, albums)
        return {"artists": len(artists), "albums": len(albums), "top_tracks": len(top)}

    summary = _step(
        "extract_day", snapshot_date, artists_file, data_dir, allow_past_date, settings, None, body
    )
    write_json(summary_path(resolve_data_dir(data_dir), summary["snapshot_date"]), summary)
    log.info(
        "extracted %s: %s rows, %d requests (%s tier, %s)",
        summary["snapshot_date"],
        summary["rows"],
        summary["requests_total"],
        summary["tier"],
        summary["mode"],
    )
    return summary


def merge_summaries(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One run summary from the steps' parts (for the DAG, whose steps run in processes)."""
    if not parts:
        raise ValueError("merge_summaries needs at least one step summary")
    merged = dict(parts[-1])
    merged["rows"] = {k: v for part in parts for k, v in part["rows"].items()}
    requests: dict[str, int] = {}
    for part in parts:
        for name, count in part["requests"].items():
            requests[name] = requests.get(name, 0) + count
    merged["requests"] = dict(sorted(requests.items()))
    for key in ("requests_total", "retries", "rate_limited"):
        merged[key] = sum(part[key] for part in parts)
    merged["duration_seconds"] = round(sum(part["duration_seconds"] for part in parts), 3)
    merged["tier"] = next((p["tier"] for p in parts if p["tier"] != "unknown"), "unknown")
    skipped = {s["id"]: s["reason"] for part in parts for s in part["skipped_artists"]}
    merged["skipped_artists"] = [{"id": i, "reason": r} for i, r in sorted(skipped.items())]
    merged["extracted_at"] = parts[0]["extracted_at"]
    return merged


def write_summary(
    parts: Sequence[dict[str, Any]], *, data_dir: str | os.PathLike | None = None
) -> dict[str, Any]:
    """Merge the steps' summaries and write raw/runs/<date>.json (atomically)."""
    summary = merge_summaries(parts)
    write_json(summary_path(resolve_data_dir(data_dir), summary["snapshot_date"]), summary)
    return summary


__all__ = [
    "extract_albums",
    "extract_artists",
    "extract_day",
    "extract_top_tracks",
    "merge_summaries",
    "write_summary",
]
