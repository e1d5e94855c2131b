"""Read the exported marts: `$DATA_DIR/marts/<model>.parquet` and `_build.json`.

Never opens the DuckDB warehouse: an in-memory DuckDB reads the Parquet files, so the dashboard
keeps working while `dbt build` holds the warehouse's write lock. Every query is a fixed SQL
text with `?` placeholders; nothing a user types is formatted into SQL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from ingestion import paths

BUILD_FILE = "_build.json"
# The marts every page needs (the sidebar's dates and artists); a page whose own mart is
# missing says so.
REQUIRED = ("top_artists", "top_tracks")


def marts_dir() -> Path:
    """`$DATA_DIR/marts` (DATA_DIR defaults to the repository's `data/`: ingestion.paths)."""
    return Path(paths.data_dir()) / "marts"


@dataclass(frozen=True)
class Marts:
    """What an export left in the marts folder, and a fingerprint to cache queries on."""

    directory: Path
    models: dict[str, Path] = field(default_factory=dict)
    build: dict[str, Any] = field(default_factory=dict)
    fingerprint: tuple = ()

    @property
    def missing_required(self) -> list[str]:
        return [model for model in REQUIRED if model not in self.models]

    @property
    def ready(self) -> bool:
        return not self.missing_required

    def has(self, model: str) -> bool:
        return model in self.models


def discover(directory: Path | None = None) -> Marts:
    # Resolved once: the symlink an export swaps (warehouse.export) may move on while this
    # load reads, and every file of the load must come from the same export.
    directory = (directory or marts_dir()).resolve()
    models: dict[str, Path] = {}
    stamps = []
    if directory.is_dir():
        for path in sorted(directory.glob("*.parquet")):
            if path.name.startswith((".", "_")):
                continue
            models[path.stem] = path
            stat = path.stat()
            stamps.append((path.name, stat.st_mtime_ns, stat.st_size))
    build: dict[str, Any] = {}
    build_path = directory / BUILD_FILE
    if build_path.is_file():
        try:
            build = json.loads(build_path.read_text(encoding="utf-8"))
            stamps.append((BUILD_FILE, build_path.stat().st_mtime_ns, 0))
        except (OSError, ValueError):
            build = {}
    return Marts(directory=directory, models=models, build=build, fingerprint=tuple(stamps))


def connect(marts: Marts, sql: str | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one view per exported model (given `sql`, per model it
    names: each view opens its Parquet file, and a page's query reads one or two of ~30)."""
    con = duckdb.connect(":memory:")
    for model, path in marts.models.items():
        if sql is None or re.search(rf"\b{re.escape(model)}\b", sql):
            con.read_parquet(str(path)).create_view(model)
    return con


def query(marts: Marts, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
    """Run one parameterised query (`?` placeholders) over the marts."""
    with connect(marts, sql) as con:
        return con.execute(sql, list(params)).df()
