"""The raw layer's files (docs/interfaces.md section 2): CSV per entity per day, run summary.

Entity files are gzip-compressed CSV (`<date>.csv.gz`, a tenth of the bytes; DuckDB and
`read_csv` here read them as they are), compressed without a timestamp so reruns stay
byte-identical. Writes are atomic (a temporary file in the target folder, then `os.replace`),
so a reader or a failed run never sees half a file, and rows are sorted by their key so reruns
are byte-identical.

A day is *published* by its run summary `raw/runs/<date>.json`, which lists every file of the
day with its row count, byte size and sha256 (docs/interfaces.md section 2). The steps write
their files aside, into the day's staging folder `raw/.staging/<date>/`; `publish_day` links
them to versioned names `raw/<entity>/<date>.<sha256 prefix>.csv.gz` (invisible: no summary
lists them yet), then replaces the summary in one atomic step, then removes the day's files
the summary no longer lists. Until that step the previous version of the day stays published
and intact, so a failed or killed re-extraction never hides a day. The summary's
`published_at` (the real time of publication, also against the sandbox) tells the warehouse a
day was extracted again even when its files are byte-identical.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import hashlib
import io
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ingestion.errors import MissingInputError, StorageError

# The raw entities every complete day has, in the order a run writes them (albums need the
# albums of the top tracks and playlist tracks). Days published before playlists were tracked
# have no playlist_tracks file: the warehouse reads it only for the days that have one.
RAW_ENTITIES = ("artists", "top_tracks", "playlist_tracks", "albums")
# Every raw row records where it comes from (`sandbox` or `spotify`) and the access tier.
PROVENANCE_COLUMNS = ["data_source", "access_tier"]
ARTIST_COLUMNS = [
    "snapshot_date",
    "extracted_at",
    "artist_id",
    "artist_name",
    "artist_json",
    *PROVENANCE_COLUMNS,
]
ALBUM_COLUMNS = [
    "snapshot_date",
    "extracted_at",
    "album_id",
    "album_name",
    "tracked_artist_id",
    "source",
    "album_json",
    *PROVENANCE_COLUMNS,
]
TOP_TRACK_COLUMNS = [
    "snapshot_date",
    "extracted_at",
    "tracked_artist_id",
    "rank",
    "track_id",
    "track_name",
    "source",
    "track_json",
    *PROVENANCE_COLUMNS,
]
# The tracks of the roster's playlists (the playlist step; header only without playlists).
PLAYLIST_TRACKS = "playlist_tracks"
PLAYLIST_TRACK_COLUMNS = [
    "snapshot_date",
    "extracted_at",
    "playlist_id",
    "position",
    "track_id",
    "track_name",
    "added_at",
    "track_json",
    *PROVENANCE_COLUMNS,
]
RAW_SUFFIX = ".csv.gz"
ENTITIES = {
    "artists": ARTIST_COLUMNS,
    "albums": ALBUM_COLUMNS,
    "top_tracks": TOP_TRACK_COLUMNS,
    PLAYLIST_TRACKS: PLAYLIST_TRACK_COLUMNS,
}


def compact_json(obj: Any) -> str:
    # Key order as the API sent it (json keeps it); compact; non-ASCII names kept readable.
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


STAGING = ".staging"


def staged_path(data_dir: Path, entity: str, snapshot_date: str, source: str | None = None) -> Path:
    """Where a step writes an entity's file of a day before the day is published (an
    open-signal source's day: a staging folder of its own, `raw/.staging/<source>/<date>/`)."""
    folder = Path(data_dir) / "raw" / STAGING
    return (folder / source if source else folder) / snapshot_date / f"{entity}{RAW_SUFFIX}"


def summary_path(data_dir: Path, snapshot_date: str, source: str | None = None) -> Path:
    """The day's run summary, which publishes the day (listing its files); an open-signal
    source's day has its own, `raw/runs/<source>/<date>.json`."""
    folder = Path(data_dir) / "raw" / "runs"
    return (folder / source if source else folder) / f"{snapshot_date}.json"


def entity_source(entity: str) -> str | None:
    """None for Spotify's entities; the source of an open-signal entity (`deezer_tracks`:
    `deezer`), whose files its source's day summary lists."""
    return None if entity in ENTITIES else entity.split("_", 1)[0]


def legacy_path(data_dir: Path, entity: str, snapshot_date: str) -> Path:
    """The file of a day published before summaries listed their files (unversioned name)."""
    return Path(data_dir) / "raw" / entity / f"{snapshot_date}{RAW_SUFFIX}"


def read_summary(
    data_dir: Path, snapshot_date: str, source: str | None = None
) -> dict[str, Any] | None:
    """The day's published run summary, or None when the day is not published."""
    try:
        path = summary_path(data_dir, snapshot_date, source)
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def published_files(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{entity: {path (relative to raw/), rows, bytes, sha256}} of a published summary; a
    summary written before files were listed gives the unversioned names (no checksum)."""
    if "files" in summary:
        return {f["entity"]: f for f in summary["files"]}
    day = summary["snapshot_date"]
    return {
        entity: {"entity": entity, "path": f"{entity}/{day}{RAW_SUFFIX}", "rows": rows}
        for entity, rows in (summary.get("rows") or {}).items()
        if rows is not None
    }


def raw_path(data_dir: Path, entity: str, snapshot_date: str) -> Path:
    """The one definition of where the published file of an entity of a day lives: the file
    its run summary lists (the unversioned name when the day is not published)."""
    summary = read_summary(data_dir, snapshot_date, entity_source(entity))
    listed = published_files(summary).get(entity) if summary else None
    if listed:
        return Path(data_dir) / "raw" / listed["path"]
    return legacy_path(data_dir, entity, snapshot_date)


def current_path(data_dir: Path, entity: str, snapshot_date: str) -> Path:
    """The day's file a step reads: the one staged by this extraction, else the published one."""
    staged = staged_path(data_dir, entity, snapshot_date)
    return staged if staged.exists() else raw_path(data_dir, entity, snapshot_date)


def describe_file(path: Path) -> dict[str, Any]:
    """Row count, byte size and sha256 of a raw file (what the run summary records)."""
    payload = Path(path).read_bytes()
    return {
        "rows": len(read_csv(path)),
        "bytes": len(payload),
        "sha256": hashlib.sha256(payload).hexdigest(),
    }


def publish_day(
    data_dir: Path, summary: dict[str, Any], *, source: str | None = None
) -> dict[str, Any]:
    """Publish the day's staged files with the summary, stamped with `published_at` (Spotify's
    day, or with `source` an open-signal source's day: the same rules).

    Entities the summary counts come from the staging folder (checked against the counts);
    the others keep their published file. One atomic step (the summary's os.replace) makes the
    new version visible; a crash before it leaves the previous version published.
    """
    try:
        return _publish_day(Path(data_dir), summary, source)
    except OSError as error:
        where = summary_path(data_dir, summary["snapshot_date"], source)
        raise StorageError.from_os_error(error, where) from error


def _publish_day(data_dir: Path, summary: dict[str, Any], source: str | None) -> dict[str, Any]:
    from datetime import UTC, datetime

    day = summary["snapshot_date"]
    previous = read_summary(data_dir, day, source)
    files = dict(published_files(previous)) if previous else {}
    rows = dict(previous.get("rows") or {}) if previous else {}
    for entity, count in summary["rows"].items():
        staged = staged_path(data_dir, entity, day, source)
        if not staged.exists():
            raise MissingInputError(
                f"{staged} does not exist: extract {entity} of {day} again before publishing it."
            )
        entry = describe_file(staged)
        if entry["rows"] != count:
            raise MissingInputError(
                f"{staged} holds {entry['rows']} rows, the run counted {count}: it is not this "
                f"run's file; extract {entity} of {day} again."
            )
        name = f"{entity}/{day}.{entry['sha256'][:16]}{RAW_SUFFIX}"
        target = data_dir / "raw" / name
        if not target.exists():  # same name, same bytes: a rerun keeps the file
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(staged, target)
        files[entity] = {"entity": entity, "path": name, **entry}
        rows[entity] = count
    order = {entity: i for i, entity in enumerate(RAW_ENTITIES if source is None else rows)}
    published = {
        **summary,
        "rows": rows,
        "files": sorted(files.values(), key=lambda f: order.get(f["entity"], len(order))),
        "published_at": datetime.now(UTC).isoformat(timespec="microseconds"),
    }
    write_json(summary_path(data_dir, day, source), published)  # the one step that publishes
    listed = {f["path"] for f in published["files"]}
    _remove_unlisted(
        data_dir, day, listed, summary["rows"], source, ENTITIES if not source else rows
    )
    return published


def _remove_unlisted(
    data_dir: Path,
    day: str,
    listed: set[str],
    staged: Iterable[str],
    source: str | None,
    entities: Iterable[str],
) -> None:
    """After publication: the staged files and the day's versions the summary no longer lists."""
    for entity in staged:
        staged_path(data_dir, entity, day, source).unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # another entity still staged (or already gone)
        staged_path(data_dir, "x", day, source).parent.rmdir()
    for entity in entities:
        folder = data_dir / "raw" / entity
        for path in folder.glob(f"{day}*{RAW_SUFFIX}"):
            if f"{entity}/{path.name}" not in listed and path.name[:10] == day:
                path.unlink(missing_ok=True)


def published_data_sources(data_dir: Path) -> dict[str, str]:
    """{snapshot date: data source} of the days published in data_dir."""
    found = {}
    for path in sorted((Path(data_dir) / "raw" / "runs").glob("*.json")):
        try:
            found[path.stem] = json.loads(path.read_text(encoding="utf-8")).get("mode")
        except (OSError, ValueError):
            continue
    return {day: source for day, source in found.items() if source}


def skipped_artists(data_dir: Path) -> dict[str, list[str]]:
    """{artist id: [snapshot dates]} of the roster artists the published days skipped (an id
    the API does not know): named wherever a run is reported."""
    found: dict[str, list[str]] = {}
    for path in sorted((Path(data_dir) / "raw" / "runs").glob("*.json")):
        try:
            skipped = json.loads(path.read_text(encoding="utf-8")).get("skipped_artists") or []
        except (OSError, ValueError):
            continue
        for artist in skipped:
            found.setdefault(str(artist.get("id")), []).append(path.stem)
    return found


def _process_umask() -> int:
    # os.umask can only be read by setting it; done once, at import, before any worker thread.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# mkstemp creates 0600 files; a raw file must be readable like any other file the process
# writes (dbt or the dashboard may run as another user of the same group).
FILE_MODE = 0o666 & ~_process_umask()


def atomic_write_bytes(path: Path, payload: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Same folder as the target: os.replace is atomic only within one file system.
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise StorageError.from_os_error(error, path) from error
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fchmod(handle.fileno(), FILE_MODE)
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as error:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(error, OSError):  # ENOSPC from write() names no file: name it here
            raise StorageError.from_os_error(error, path) from error
        raise


def render_csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> bytes:
    buffer = io.StringIO(newline="")
    # RFC 4180: CRLF line ends, quotes only where needed, quotes doubled.
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row[c] is None else row[c] for c in columns])
    return buffer.getvalue().encode("utf-8")


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> None:
    payload = render_csv(columns, rows)
    if path.name.endswith(".gz"):
        payload = gzip.compress(payload, compresslevel=6, mtime=0)  # no timestamp: reproducible
    atomic_write_bytes(path, payload)


def write_json(path: Path, obj: Any) -> None:
    atomic_write_bytes(path, (json.dumps(obj, indent=2, sort_keys=False) + "\n").encode("utf-8"))


def read_csv(path: Path) -> list[dict[str, str]]:
    opener = gzip.open if Path(path).name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --- a subset of the roster merged into a day ----------------------------------------------------
# The entities whose rows belong to a tracked artist: the column naming it, and what makes a row
# unique within a day's file. (Playlist tracks do not depend on the artists.)
SUBSET_ENTITIES = {
    "artists": ("artist_id", ("artist_id",)),
    "top_tracks": ("tracked_artist_id", ("tracked_artist_id", "rank")),
    "albums": ("tracked_artist_id", ("album_id", "tracked_artist_id", "source")),
}


def merge_artist_subset(
    entity: str,
    snapshot_date: str,
    artist_ids: Iterable[str],
    *,
    staged_dir: Path,
    data_dir: Path,
) -> int:
    """Merge `entity`'s file extracted for a subset of the roster (in `staged_dir`) into the
    day's file (in `data_dir`): the selected artists' rows are replaced by the staged ones, the
    other artists' rows are kept. The merged file is staged beside the published day, which the
    run's summary replaces whole; atomic. Returns the rows of the merged file."""
    key, natural = SUBSET_ENTITIES[entity]
    selected = set(artist_ids)
    staged = read_csv(staged_path(Path(staged_dir), entity, snapshot_date))
    staged_keys = {tuple(row[c] for c in natural) for row in staged}
    current = current_path(Path(data_dir), entity, snapshot_date)
    old = read_csv(current) if current.exists() else []
    # Rows tied to no tracked artist (the full album objects of the top tracks' albums) are
    # shared: a staged one replaces the old one with the same key, the others are kept.
    kept = [
        row
        for row in old
        if row[key] not in selected and tuple(row[c] for c in natural) not in staged_keys
    ]
    rows = sorted(kept + staged, key=lambda row: tuple(row[c] for c in ENTITIES[entity]))
    write_csv(staged_path(Path(data_dir), entity, snapshot_date), ENTITIES[entity], rows)
    return len(rows)


# --- open-signal sources (Deezer, Last.fm): each source's day is published on its own --------
# A source's entity files live beside Spotify's (raw/<source>_<entity>/<date>.<sha>.csv.gz);
# its day is staged and published like Spotify's (publish_day with `source`), by its own
# summary raw/runs/<source>/<date>.json, so Spotify's day and each source's day are whole
# independently of one another.
def source_summary_path(data_dir: Path, source: str, snapshot_date: str) -> Path:
    return summary_path(data_dir, snapshot_date, source)
