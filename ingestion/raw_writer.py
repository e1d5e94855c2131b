"""The raw layer's files (docs/interfaces.md section 2): CSV per entity per day, run summary.

Entity files are gzip-compressed CSV (`<date>.csv.gz`, a tenth of the bytes; DuckDB and
`read_csv` here read them as they are), compressed without a timestamp so reruns stay
byte-identical. Writes are atomic (a temporary file in the target folder, then `os.replace`),
so a reader or a failed run never sees half a file, and rows are sorted by their key so reruns
are byte-identical.

A day is *published* by its run summary `raw/runs/<date>.json`, written last, once its four
entity files are complete; extracting a day again first removes it (`unpublish_day`), so the
warehouse, which reads published days only, never sees a half-written or half-rewritten day.
The summary's `published_at` (the real time of publication, also against the sandbox) tells
the warehouse a day was extracted again even when its files are byte-identical.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

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


def raw_path(data_dir: Path, entity: str, snapshot_date: str) -> Path:
    """The one definition of where an entity's file of a day lives."""
    return Path(data_dir) / "raw" / entity / f"{snapshot_date}{RAW_SUFFIX}"


def summary_path(data_dir: Path, snapshot_date: str) -> Path:
    """The day's run summary, which also publishes the day (written last)."""
    return Path(data_dir) / "raw" / "runs" / f"{snapshot_date}.json"


def unpublish_day(data_dir: Path, snapshot_date: str) -> None:
    """Hide a day from the warehouse before its files are (re)written."""
    summary_path(data_dir, snapshot_date).unlink(missing_ok=True)


def publish_day(data_dir: Path, summary: dict[str, Any]) -> dict[str, Any]:
    """Write the day's run summary, stamped with `published_at`: the day becomes visible."""
    from datetime import UTC, datetime

    published = {**summary, "published_at": datetime.now(UTC).isoformat(timespec="microseconds")}
    write_json(summary_path(data_dir, summary["snapshot_date"]), published)
    return published


def published_data_sources(data_dir: Path) -> dict[str, str]:
    """{snapshot date: data source} of the days published in data_dir."""
    found = {}
    for path in sorted((Path(data_dir) / "raw" / "runs").glob("*.json")):
        try:
            found[path.stem] = json.loads(path.read_text(encoding="utf-8")).get("mode")
        except (OSError, ValueError):
            continue
    return {day: source for day, source in found.items() if source}


def _process_umask() -> int:
    # os.umask can only be read by setting it; done once, at import, before any worker thread.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# mkstemp creates 0600 files; a raw file must be readable like any other file the process
# writes (dbt or the dashboard may run as another user of the same group).
FILE_MODE = 0o666 & ~_process_umask()


def atomic_write_bytes(path: Path, payload: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Same folder as the target: os.replace is atomic only within one file system.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fchmod(handle.fileno(), FILE_MODE)
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
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
    other artists' rows are kept. Unpublishes the day first (its files change); atomic. Returns
    the rows of the merged file."""
    key, natural = SUBSET_ENTITIES[entity]
    selected = set(artist_ids)
    staged = read_csv(raw_path(Path(staged_dir), entity, snapshot_date))
    staged_keys = {tuple(row[c] for c in natural) for row in staged}
    target = raw_path(Path(data_dir), entity, snapshot_date)
    old = read_csv(target) if target.exists() else []
    # Rows tied to no tracked artist (the full album objects of the top tracks' albums) are
    # shared: a staged one replaces the old one with the same key, the others are kept.
    kept = [
        row
        for row in old
        if row[key] not in selected and tuple(row[c] for c in natural) not in staged_keys
    ]
    rows = sorted(kept + staged, key=lambda row: tuple(row[c] for c in ENTITIES[entity]))
    unpublish_day(Path(data_dir), snapshot_date)
    write_csv(target, ENTITIES[entity], rows)
    return len(rows)
