"""Extract one snapshot day: artists, top tracks, albums and the roster's playlists'
tracks (docs/interfaces.md sections 2 and 3).

`extract_day` runs the steps on one client (one token, one tier detection) and writes
all files only once everything was fetched, so a failed run leaves the previous files alone.
The DAG runs `extract_artists`, `extract_top_tracks`, `extract_playlists` (which needs no
other step) and `extract_albums` (the full albums of the top tracks and playlist tracks) as
separate tasks (processes): each validates its input, fetches, then writes its own file
atomically, and the later ones take `tier=` from the first so the tier is detected once per run.

The pieces: `run_context` (date, tier, client, pool), `fetchers` (the Spotify calls and their
request economy), `responses` (checks on what the API returns) and `raw_rows` (the CSV rows).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from ingestion.errors import InvalidArtistIdError, MissingInputError, MixedDataSourceError
from ingestion.fetchers import (
    fetch_artist_albums,
    fetch_artists,
    fetch_full_albums,
    fetch_playlist_tracks,
    fetch_top_tracks,
)
from ingestion.raw_rows import (
    album_rows,
    artist_rows,
    playlist_track_rows,
    top_track_album_ids,
    top_track_rows,
)
from ingestion.raw_writer import (
    ALBUM_COLUMNS,
    ARTIST_COLUMNS,
    PLAYLIST_TRACK_COLUMNS,
    PLAYLIST_TRACKS,
    TOP_TRACK_COLUMNS,
    current_path,
    publish_day,
    published_data_sources,
    read_csv,
    staged_path,
    write_csv,
)
from ingestion.roster import Artist, load_playlists, load_roster, resolve_artists_file
from ingestion.run_context import Run, open_run, parse_snapshot_date, resolve_data_dir
from ingestion.settings import Settings

log = logging.getLogger(__name__)


# --- steps ------------------------------------------------------------------------------------
def _tracked(run: Run, roster: list[Artist], data_dir: Path) -> list[Artist]:
    """The roster minus artists known to be gone, named as the API names them.

    In `extract_day` the artists step has just run; a step run on its own reads the artists
    file of the same date when it exists, so a deleted artist is not searched for again.
    """
    path = current_path(data_dir, "artists", run.snapshot.isoformat())
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


def check_data_source(data_dir: Path, data_source: str) -> None:
    """Refuse to write `data_source` (sandbox or spotify) days into a DATA_DIR holding the other."""
    others = sorted(d for d, s in published_data_sources(data_dir).items() if s != data_source)
    if others:
        other = published_data_sources(data_dir)[others[0]]
        raise MixedDataSourceError(
            f"{data_dir} already holds {len(others)} day(s) extracted from the {other} "
            f"({others[0]}...), and this run reads the {data_source}: one DATA_DIR never mixes "
            "sandbox and real Spotify data. Point DATA_DIR at another folder (or empty this one)."
        )


def _write(run: Run, folder: Path, entity: str, columns: list[str], rows: list[dict]) -> None:
    """Write one entity's file of the run's day aside (the day's staging folder): the published
    version of the day stays as it is until the run summary publishes the new one whole."""
    check_data_source(folder, run.mode)
    write_csv(staged_path(folder, entity, run.snapshot.isoformat()), columns, rows)


def _step(
    name: str,
    snapshot_date: date | str,
    artists_file: str | os.PathLike | None,
    data_dir: str | os.PathLike | None,
    allow_past_date: bool,
    settings: Settings | None,
    tier: str | None,
    body: Callable[[Run, list[Artist], Path], dict[str, int]],
    strict: bool | None = None,
) -> dict[str, Any]:
    roster = load_roster(artists_file)  # validated before any request or write
    folder = resolve_data_dir(data_dir)
    with open_run(
        snapshot_date, settings=settings, allow_past_date=allow_past_date, tier=tier
    ) as run:
        check_data_source(folder, run.mode)  # before any request for the day's data
        log.info(
            "%s for %s: %d artists from %s",
            name,
            run.snapshot,
            len(roster),
            resolve_artists_file(artists_file),
        )
        rows = body(run, roster, folder)
        if run.skipped and (strict if strict is not None else _strict_from_env()):
            # Only staged so far: the published day stays as it was.
            skipped = ", ".join(f"{i} ({r})" for i, r in sorted(run.skipped.items()))
            raise InvalidArtistIdError(
                f"{name} for {run.snapshot}: the API does not know roster artist(s) {skipped}, "
                "and strict mode (--strict, INGEST_STRICT=1) makes that an error: fix or remove "
                "the id(s) in the roster, or run without strict mode to skip them."
            )
        return run.summary_part(rows)


def _strict_from_env() -> bool:
    return os.environ.get("INGEST_STRICT", "").strip().lower() in ("1", "true", "yes")


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
        _write(run, folder, "artists", ARTIST_COLUMNS, rows)
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
        _write(run, folder, "top_tracks", TOP_TRACK_COLUMNS, rows)
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
    """DAG's last step: writes raw/albums/<date>.csv; needs raw/top_tracks/<date>.csv and
    reads raw/playlist_tracks/<date>.csv when it exists: the full albums of every collected
    track are fetched."""
    snapshot = parse_snapshot_date(snapshot_date)
    folder = resolve_data_dir(data_dir)
    top_path = current_path(folder, "top_tracks", snapshot.isoformat())
    if not top_path.exists():
        raise MissingInputError(
            f"{top_path} does not exist: the albums step needs the top tracks of {snapshot}; "
            "run extract_top_tracks for that date first."
        )
    listed_path = current_path(folder, PLAYLIST_TRACKS, snapshot.isoformat())
    album_ids = []
    for path, step in ((top_path, "extract_top_tracks"), (listed_path, "extract_playlists")):
        if not path.exists():
            continue  # no playlist file: the playlists step did not run for that date
        try:
            album_ids += top_track_album_ids(read_csv(path))
        except (ValueError, KeyError, AttributeError):
            raise MissingInputError(
                f"{path} is not a valid raw file: run {step} for {snapshot} again."
            ) from None
    album_ids = sorted(set(album_ids))

    def body(run: Run, roster: list[Artist], folder: Path) -> dict[str, int]:
        by_artist = fetch_artist_albums(run, _tracked(run, roster, folder))
        rows = album_rows(run, by_artist, fetch_full_albums(run, album_ids))
        _write(run, folder, "albums", ALBUM_COLUMNS, rows)
        return {"albums": len(rows)}

    return _step(
        "extract_albums", snapshot, artists_file, data_dir, allow_past_date, settings, tier, body
    )


def extract_playlists(
    snapshot_date: date | str,
    *,
    artists_file: str | os.PathLike | None = None,
    data_dir: str | os.PathLike | None = None,
    allow_past_date: bool = False,
    settings: Settings | None = None,
    tier: str | None = None,
) -> dict[str, Any]:
    """Playlist step: writes raw/playlist_tracks/<date>.csv; independent of the other steps.

    A playlist the API refuses is named in the summary's `failed_playlists` and left out; the
    step still succeeds (with the other playlists' tracks)."""
    playlists = load_playlists(artists_file)  # validated before any request or write

    def body(run: Run, roster: list[Artist], folder: Path) -> dict[str, int]:
        rows = playlist_track_rows(run, fetch_playlist_tracks(run, playlists))
        # Header only when the roster lists no playlist: every extracted day has the file.
        _write(run, folder, PLAYLIST_TRACKS, PLAYLIST_TRACK_COLUMNS, rows)
        return {PLAYLIST_TRACKS: len(rows)}

    return _step(
        "extract_playlists",
        snapshot_date,
        artists_file,
        data_dir,
        allow_past_date,
        settings,
        tier,
        body,
    )


def extract_day(
    snapshot_date: date | str,
    *,
    artists_file: str | os.PathLike | None = None,
    data_dir: str | os.PathLike | None = None,
    allow_past_date: bool = False,
    settings: Settings | None = None,
    strict: bool | None = None,
) -> dict[str, Any]:
    """The whole day on one client; writes the CSVs and the run summary at the end. A roster
    artist the API does not know is skipped and named in the summary's `skipped_artists`;
    `strict` (default: env INGEST_STRICT=1) makes it an error instead."""
    playlists = load_playlists(artists_file)  # validated before any request or write

    def body(run: Run, roster: list[Artist], folder: Path) -> dict[str, int]:
        artists = fetch_artists(run, roster)
        tracked = [Artist(name=artists[a.id]["name"], id=a.id) for a in roster if a.id in artists]
        top = top_track_rows(run, fetch_top_tracks(run, tracked))
        tracked = [a for a in tracked if a.id not in run.skipped]
        by_artist = fetch_artist_albums(run, tracked)
        listed = playlist_track_rows(run, fetch_playlist_tracks(run, playlists))
        album_ids = sorted(set(top_track_album_ids(top)) | set(top_track_album_ids(listed)))
        albums = album_rows(run, by_artist, fetch_full_albums(run, album_ids))
        # Everything fetched: only now touch the files, so a failure leaves the old ones.
        _write(run, folder, "artists", ARTIST_COLUMNS, artist_rows(run, artists))
        _write(run, folder, "top_tracks", TOP_TRACK_COLUMNS, top)
        _write(run, folder, "albums", ALBUM_COLUMNS, albums)
        _write(run, folder, PLAYLIST_TRACKS, PLAYLIST_TRACK_COLUMNS, listed)
        return {
            "artists": len(artists),
            "albums": len(albums),
            "top_tracks": len(top),
            PLAYLIST_TRACKS: len(listed),
        }

    summary = _step(
        "extract_day",
        snapshot_date,
        artists_file,
        data_dir,
        allow_past_date,
        settings,
        None,
        body,
        strict,
    )
    summary = publish_day(resolve_data_dir(data_dir), summary)
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
    failed = {f["id"]: f for part in parts for f in part.get("failed_playlists", [])}
    merged["failed_playlists"] = [failed[i] for i in sorted(failed)]
    merged["extracted_at"] = parts[0]["extracted_at"]
    return merged


def write_summary(
    parts: Sequence[dict[str, Any]], *, data_dir: str | os.PathLike | None = None
) -> dict[str, Any]:
    """Merge the steps' summaries and write raw/runs/<date>.json (atomically), which publishes
    the day to the warehouse: call it once the day's entity files are written."""
    return publish_day(resolve_data_dir(data_dir), merge_summaries(list(parts)))


__all__ = [
    "extract_albums",
    "extract_artists",
    "extract_day",
    "extract_playlists",
    "extract_top_tracks",
    "merge_summaries",
    "write_summary",
]
