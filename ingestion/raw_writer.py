"""The raw layer's files (docs/interfaces.md section 2): CSV per entity per day, run summary.

Writes are atomic (a temporary file in the target folder, then `os.replace`), so a reader or a
failed run never sees half a file, and rows are sorted by their key so reruns are byte-identical.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

# The raw entities, in the order a run writes them (albums need the top tracks' albums).
RAW_ENTITIES = ("artists", "top_tracks", "albums")
ARTIST_COLUMNS = ["snapshot_date", "extracted_at", "artist_id", "artist_name", "artist_json"]
ALBUM_COLUMNS = [
    "snapshot_date",
    "extracted_at",
    "album_id",
    "album_name",
    "tracked_artist_id",
    "source",
    "album_json",
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
]
# The tracks of the roster's playlists (the playlist step). Not in RAW_ENTITIES (the entities
# every complete day has) until the ingestion DAG runs that step too.
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
]
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
    return Path(data_dir) / "raw" / entity / f"{snapshot_date}.csv"


def summary_path(data_dir: Path, snapshot_date: str) -> Path:
    return Path(data_dir) / "raw" / "runs" / f"{snapshot_date}.json"


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
    atomic_write_bytes(path, render_csv(columns, rows))


def write_json(path: Path, obj: Any) -> None:
    atomic_write_bytes(path, (json.dumps(obj, indent=2, sort_keys=False) + "\n").encode("utf-8"))


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))
