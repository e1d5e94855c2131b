"""Extract one open-signal source's day: Deezer or Last.fm popularity of the day's tracks.

Input: the day's Spotify raw files (top tracks, and playlist tracks when the day has them), so
it runs after those steps. Each track with a valid ISRC is looked up:

- Deezer: `track/isrc:{ISRC}` once per distinct ISRC, then once each distinct Deezer artist and
  album those tracks point to;
- Last.fm: `track.getInfo` once per distinct (primary artist, title), matched by name
  (`match_method` = `artist+title`), then `artist.getInfo` once per distinct primary artist.

Every track gets an outcome in `<source>_matches` (matched, not_found, no_isrc, malformed_isrc,
bad_body), counted in the source's run summary: none of them stops the day. What does stop it,
with one clear message, is a source that cannot serve the day (down after every retry, quota
exceeded after every wait, the key refused): then nothing of its day is published (a version
published before stays as it was), and Spotify's day and the other source's day are not
touched. A source's day follows Spotify's whole-day rules
(raw_writer.publish_day): its files are written aside, then published in one step by its
summary (raw/runs/<source>/<date>.json, listing each file with its rows, bytes and sha256).
Extracting a day again replaces it in that step, never hides it: until then its previous
version stays published. A late or failed day is backfilled by running this for that date.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ingestion.errors import MissingInputError, MixedDataSourceError, SnapshotDateError
from ingestion.open_client import BadBody, DeezerClient, LastfmClient, NotFound
from ingestion.raw_writer import (
    PLAYLIST_TRACKS,
    compact_json,
    current_path,
    publish_day,
    raw_path,
    read_csv,
    staged_path,
    write_csv,
)
from ingestion.run_context import check_not_future, parse_snapshot_date, resolve_data_dir, today_utc
from ingestion.settings import Settings

log = logging.getLogger(__name__)

ISRC_RE = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{7}$")
SANDBOX_LASTFM_KEY = "sandbox-lastfm-key"  # the sandbox accepts any key
# The offline sandbox is local: it serves both services at this quota (requests per 5 s), and
# the clients keep to it, so a sandbox day takes seconds, not the real services' minute.
SANDBOX_QUOTA = 1000
OUTCOMES = ("matched", "not_found", "no_isrc", "malformed_isrc", "bad_body")
PROVENANCE = ["source", "base_url", "data_source"]
ENTITIES: dict[str, dict[str, list[str]]] = {
    "deezer": {
        "deezer_tracks": [
            "snapshot_date", "extracted_at", "isrc", "deezer_track_id", "deezer_artist_id",
            "deezer_album_id", "track_json", *PROVENANCE,
        ],
        "deezer_artists": [
            "snapshot_date", "extracted_at", "deezer_artist_id", "artist_name", "artist_json",
            *PROVENANCE,
        ],
        "deezer_albums": [
            "snapshot_date", "extracted_at", "deezer_album_id", "album_title", "album_json",
            *PROVENANCE,
        ],
        "deezer_matches": [
            "snapshot_date", "spotify_track_id", "isrc", "outcome", "reason", "deezer_track_id",
            *PROVENANCE,
        ],
    },
    "lastfm": {
        "lastfm_tracks": [
            "snapshot_date", "extracted_at", "artist_name", "track_name", "track_json",
            *PROVENANCE,
        ],
        "lastfm_artists": [
            "snapshot_date", "extracted_at", "artist_name", "artist_json", *PROVENANCE,
        ],
        "lastfm_matches": [
            "snapshot_date", "spotify_track_id", "isrc", "artist_name", "track_name",
            "match_method", "outcome", "reason", *PROVENANCE,
        ],
    },
}  # fmt: skip


@dataclass(frozen=True)
class SpotifyTrack:
    """What the open signals need of a Spotify track of the day."""

    id: str
    isrc: str | None  # normalised (upper case, no spaces or hyphens) when well-formed
    raw_isrc: str | None
    artist_name: str
    title: str

    @property
    def outcome_without_lookup(self) -> tuple[str, str] | None:
        if not self.raw_isrc:
            return "no_isrc", "Spotify gives no ISRC for this track"
        if self.isrc is None:
            return "malformed_isrc", f"Spotify's ISRC {self.raw_isrc!r} is not a valid ISRC"
        return None


def normalise_isrc(raw: str | None) -> str | None:
    value = re.sub(r"[\s-]", "", raw or "").upper()
    return value if ISRC_RE.match(value) else None


def _spotify_rows(data_dir: Path, entity: str, day: str) -> tuple[Path, list[dict]] | None:
    """The day's Spotify file of `entity` being extracted (staged: in the DAG the open signals
    run beside the albums step, before it publishes the day), else the published one."""
    path = current_path(data_dir, entity, day)
    try:
        return path, read_csv(path)
    except FileNotFoundError:
        # Published meanwhile: publishing links the staged file under its published name first.
        path = raw_path(data_dir, entity, day)
        return (path, read_csv(path)) if path.exists() else None


def spotify_tracks(data_dir: Path, snapshot: date) -> tuple[list[SpotifyTrack], str | None]:
    """The day's top tracks and playlist tracks, one per Spotify track id, from the raw files,
    and their data source (sandbox or spotify)."""
    day = snapshot.isoformat()
    top = _spotify_rows(data_dir, "top_tracks", day)
    if top is None:
        raise MissingInputError(
            f"{raw_path(data_dir, 'top_tracks', day)} does not exist: the open signals of {day} "
            "need Spotify's top tracks of that day; extract Spotify's day first "
            "(python -m ingestion extract --date ...)."
        )
    found: dict[str, SpotifyTrack] = {}
    mode = top[1][0]["data_source"] if top[1] else None
    for file in (top, _spotify_rows(data_dir, PLAYLIST_TRACKS, day)):
        if file is None:
            continue
        path, rows = file
        try:
            for row in rows:
                if row["track_id"] in found:
                    continue
                track = json.loads(row["track_json"])
                raw = (track.get("external_ids") or {}).get("isrc") or None
                artists = track.get("artists") or [{}]
                found[row["track_id"]] = SpotifyTrack(
                    row["track_id"],
                    normalise_isrc(raw),
                    raw,
                    artists[0].get("name") or "",
                    track.get("name") or row["track_name"],
                )
        except (ValueError, KeyError, AttributeError, TypeError):
            raise MissingInputError(
                f"{path} is not a valid raw file: extract Spotify's day {day} again."
            ) from None
    return [found[k] for k in sorted(found)], mode


class _Lookups:
    """Runs one lookup per distinct key on a bounded pool; records NotFound / BadBody."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.entity_outcomes: Counter[str] = Counter()

    def run(self, kind: str, fn: Callable[[Any], dict], keys: list) -> dict[Any, Any]:
        def one(key):
            try:
                return fn(key)
            except NotFound as exc:
                return ("not_found", str(exc))
            except BadBody as exc:
                return ("bad_body", str(exc))

        if len(keys) <= 1 or self.workers == 1:
            results = [one(k) for k in keys]
        else:
            with ThreadPoolExecutor(self.workers, thread_name_prefix=kind) as pool:
                futures = [pool.submit(one, k) for k in keys]
                try:
                    results = [f.result() for f in futures]
                except BaseException:
                    for f in futures:
                        f.cancel()
                    raise
        answers = dict(zip(keys, results, strict=True))
        for result in results:
            self.entity_outcomes[
                f"{kind}_{'matched' if isinstance(result, dict) else result[0]}"
            ] += 1
        return answers


def _row_base(snapshot: date, extracted_at: str, source: str, base_url: str, mode: str) -> dict:
    return {
        "snapshot_date": snapshot.isoformat(),
        "extracted_at": extracted_at,
        "source": source,
        "base_url": base_url,
        "data_source": mode,
    }


def _found_rows(base: dict, answers: dict, id_column: str, name_column: str, name_key: str):
    """Rows of the objects found (id, name, complete JSON), by id; not-found ones left out."""
    json_column = id_column.split("_")[1] + "_json"  # deezer_artist_id -> artist_json
    return [
        {**base, id_column: i, name_column: obj.get(name_key), json_column: compact_json(obj)}
        for i, obj in sorted(answers.items())
        if isinstance(obj, dict)
    ]


def _deezer_rows(client: DeezerClient, tracks: list[SpotifyTrack], lookups: _Lookups, base):
    isrcs = sorted({t.isrc for t in tracks if t.isrc})
    by_isrc = lookups.run("track", client.track_by_isrc, isrcs)
    found = {i: obj for i, obj in by_isrc.items() if isinstance(obj, dict)}
    artist_ids = sorted({obj["artist"]["id"] for obj in found.values() if obj.get("artist")})
    album_ids = sorted({obj["album"]["id"] for obj in found.values() if obj.get("album")})
    artists = lookups.run("artist", client.artist, artist_ids)
    albums = lookups.run("album", client.album, album_ids)
    entities: dict[str, list[dict]] = {
        "deezer_tracks": [
            {
                **base,
                "isrc": isrc,
                "deezer_track_id": obj.get("id"),
                "deezer_artist_id": (obj.get("artist") or {}).get("id"),
                "deezer_album_id": (obj.get("album") or {}).get("id"),
                "track_json": compact_json(obj),
            }
            for isrc, obj in sorted(found.items())
        ],
        "deezer_artists": _found_rows(base, artists, "deezer_artist_id", "artist_name", "name"),
        "deezer_albums": _found_rows(base, albums, "deezer_album_id", "album_title", "title"),
    }
    matches = []
    for track in tracks:
        outcome = track.outcome_without_lookup
        answer = by_isrc.get(track.isrc) if outcome is None else None
        if outcome is None:
            outcome = ("matched", "exact ISRC") if isinstance(answer, dict) else answer
        matches.append(
            {
                **base,
                "spotify_track_id": track.id,
                "isrc": track.isrc or track.raw_isrc,
                "outcome": outcome[0],
                "reason": outcome[1],
                "deezer_track_id": answer.get("id") if isinstance(answer, dict) else None,
            }
        )
    entities["deezer_matches"] = matches
    return entities


def _lastfm_rows(client: LastfmClient, tracks: list[SpotifyTrack], lookups: _Lookups, base):
    pairs = sorted({(t.artist_name, t.title) for t in tracks if t.isrc})
    by_pair = lookups.run("track", lambda p: client.track_info(*p), pairs)
    names = sorted({t.artist_name for t in tracks if t.isrc})
    artists = lookups.run("artist", client.artist_info, names)
    entities: dict[str, list[dict]] = {
        "lastfm_tracks": [
            {**base, "artist_name": a, "track_name": t, "track_json": compact_json(obj)}
            for (a, t), obj in sorted(by_pair.items())
            if isinstance(obj, dict)
        ],
        "lastfm_artists": [
            {**base, "artist_name": name, "artist_json": compact_json(obj)}
            for name, obj in sorted(artists.items())
            if isinstance(obj, dict)
        ],
    }
    matches = []
    for track in tracks:
        outcome = track.outcome_without_lookup
        if outcome is None:
            answer = by_pair[(track.artist_name, track.title)]
            outcome = ("matched", "artist and title") if isinstance(answer, dict) else answer
        matches.append(
            {
                **base,
                "spotify_track_id": track.id,
                "isrc": track.isrc or track.raw_isrc,
                "artist_name": track.artist_name,
                "track_name": track.title,
                "match_method": "artist+title",
                "outcome": outcome[0],
                "reason": outcome[1],
            }
        )
    entities["lastfm_matches"] = matches
    return entities


@contextlib.contextmanager
def _source_settings(settings: Settings) -> Iterator[tuple[Settings, bool]]:
    """Without Spotify credentials, the offline sandbox serves Deezer and Last.fm too."""
    if settings.has_credentials:
        yield settings, False
        return
    from ingestion.sandbox import SandboxServer  # only needed offline

    quota = (SANDBOX_QUOTA, 5.0)
    with SandboxServer(deezer_quota=quota, lastfm_quota=quota) as server:
        log.info("open signals from the offline sandbox at %s", server.base_url)
        yield (
            settings.replace(
                deezer_api_base_url=server.deezer_base_url,
                lastfm_api_base_url=server.lastfm_base_url,
                lastfm_api_key=SANDBOX_LASTFM_KEY,
                deezer_requests_per_5s=SANDBOX_QUOTA,
                lastfm_requests_per_second=SANDBOX_QUOTA / 5,
            ),
            True,
        )


def extract_open_signals(
    snapshot_date: date | str,
    *,
    source: str,
    data_dir: str | os.PathLike | None = None,
    settings: Settings | None = None,
    allow_past_date: bool = False,
) -> dict[str, Any]:
    """Extract and publish one source's day (`deezer` or `lastfm`); returns its run summary.

    Raises OpenSignalError (nothing published: an earlier version stays) or MissingInputError when
    Spotify's files of the day are not there yet."""
    if source not in ENTITIES:
        raise ValueError(f"source must be one of {', '.join(ENTITIES)}, not {source!r}")
    snapshot = parse_snapshot_date(snapshot_date)
    check_not_future(snapshot)
    folder = resolve_data_dir(data_dir)
    tracks, spotify_mode = spotify_tracks(folder, snapshot)  # validated before any request
    settings = settings or Settings.from_env()
    started, started_at = time.monotonic(), datetime.now(UTC)
    with _source_settings(settings) as (settings, own_sandbox):
        day = snapshot.isoformat()
        client_class = DeezerClient if source == "deezer" else LastfmClient
        client = client_class(settings, sandbox_date=day)
        try:
            lookups = _Lookups(settings.max_workers)
            base_url = client.transport.base_url
            placeholder = _row_base(snapshot, "", source, "", "")
            fetch = _deezer_rows if source == "deezer" else _lastfm_rows
            entities = fetch(client, tracks, lookups, placeholder)
            sandbox = own_sandbox or client.transport.is_sandbox
        finally:
            client.close()
    mode = "sandbox" if sandbox else "spotify"
    if spotify_mode and spotify_mode != mode:
        raise MixedDataSourceError(
            f"Spotify's {day} in {folder} comes from the {spotify_mode}, but {source} answered "
            f"from the {'sandbox' if sandbox else 'real service'}: one DATA_DIR never mixes them; "
            f"point {source.upper()}_API_BASE_URL at the matching service."
        )
    if not sandbox and snapshot < today_utc() and not allow_past_date:
        raise SnapshotDateError(
            f"snapshot date {day} is in the past and {source} is the real service, which only "
            "knows today: extract today, or pass --allow-past-date to store today's values "
            f"under {day}."
        )
    # Stable provenance: the sandbox's port changes from run to run, its files must not.
    extracted_at = f"{day}T00:00:00Z" if sandbox else started_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    recorded_url = f"sandbox:/{source}/" if own_sandbox else base_url
    for rows in entities.values():
        for row in rows:
            row.update(extracted_at=extracted_at, base_url=recorded_url, data_source=mode)
    for entity, columns in ENTITIES[source].items():
        write_csv(staged_path(folder, entity, day, source), columns, entities[entity])
    matches = entities[f"{source}_matches"]
    outcomes = Counter(row["outcome"] for row in matches)
    stats = client.transport.stats()
    summary = {
        "snapshot_date": day,
        "source": source,
        "base_url": recorded_url,
        "mode": mode,
        "rows": {entity: len(entities[entity]) for entity in ENTITIES[source]},
        "tracks": len(matches),
        "outcomes": {name: outcomes.get(name, 0) for name in OUTCOMES},
        "lookups": dict(sorted(lookups.entity_outcomes.items())),
        **stats,
        "duration_seconds": round(time.monotonic() - started, 3),
        "extracted_at": extracted_at,
    }
    summary = publish_day(folder, summary, source=source)
    log.info(
        "%s %s: %d of %d tracks matched %s, %d requests",
        source,
        day,
        summary["outcomes"]["matched"],
        summary["tracks"],
        dict(outcomes),
        summary["requests_total"],
    )
    return summary
