"""Export the warehouse's marts to Parquet, the only thing the dashboard reads.

`export_marts()` runs right after a successful `dbt build`, inside the same single-writer pool
(the Airflow pool `duckdb_writer`), so it never waits for the DuckDB lock. It opens the
warehouse read-only and writes one export as a unit (docs/interfaces.md section 5): every model
that exists to `<model>.parquet` (DuckDB's COPY) and then `_build.json`, into a new folder
beside `<out_dir>` (`.<name>.<stamp>`), then swaps the symlink `<out_dir>` to it in one
`os.replace`. A reader that resolves `<out_dir>` once sees the whole previous export or the
whole new one, even if the export is killed at any point; the previous folder is kept for the
readers still on it, older ones are removed. Files get the process umask's modes.

CLI: `python -m warehouse.export [--run-results dbt/target/run_results.json]` reads
`DUCKDB_PATH` and `DATA_DIR` from the environment.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from ingestion import paths
from warehouse.dbt_runner import DbtRun
from warehouse.models import MART_MODELS

BUILD_FILE = "_build.json"
HISTORY_FILE = "dbt_run_results.parquet"  # warehouse.run_results.PARQUET
# dbt may put the models in `main` or in a custom schema such as `main_marts`; prefer these.
_SCHEMA_PREFERENCE = ["main", "main_marts", "marts"]


@contextmanager
def atomic_path(target: Path) -> Iterator[str]:
    """A temporary path beside `target` to write; moved over `target` when the block succeeds,
    removed when it fails (os.replace is atomic within one folder)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    Path(tmp).unlink()  # the writer creates it, with the umask's mode (mkstemp's is 0600)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_parquet(con: duckdb.DuckDBPyConnection, query: str, target: Path) -> int:
    """Write the rows of `query` to `target` atomically; return how many."""
    with atomic_path(target) as tmp:
        return con.execute(f"copy ({query}) to ? (format parquet)", [tmp]).fetchone()[0]


def _stop_point(name: str) -> None:
    """Where the tests kill an export (SIGKILL while stopped here): EXPORT_STOP_AT=<name>."""
    if os.environ.get("EXPORT_STOP_AT") == name:
        os.kill(os.getpid(), signal.SIGSTOP)


def _versions(out: Path) -> list[Path]:
    """The export folders beside `out`, oldest first (their names sort by time)."""
    return sorted(out.parent.glob(f".{out.name}.*[0-9]"))


def _swap_in(out: Path, folder: Path) -> None:
    """Point the symlink `out` at `folder` in one step; keep the folder it pointed at (a
    reader may still be on it), remove the older ones and any a killed export left."""
    previous = out.resolve() if out.is_symlink() else None
    if out.is_dir() and not out.is_symlink():
        # An export folder of before the swap: moved aside once (its readers keep reading it).
        previous = out.with_name(f".{out.name}.00000000T000000000000")
        os.replace(out, previous)
    link = out.with_name(f".{out.name}.link")
    link.unlink(missing_ok=True)
    os.symlink(folder.name, link)
    _stop_point("linked")
    os.replace(link, out)  # the export is published
    _stop_point("swapped")
    for old in _versions(out):
        if old not in (folder, previous):
            shutil.rmtree(old, ignore_errors=True)


def export_marts(
    duckdb_path: str | os.PathLike,
    out_dir: str | os.PathLike,
    build_summary: Mapping[str, Any] | None = None,
) -> dict:
    """Export the marts of `duckdb_path` as one unit: a new folder, swapped in as the symlink
    `out_dir` (module docstring); return what its `_build.json` says.

    Call it only after a successful build, from the warehouse's single writer: it opens the
    file read-only, which DuckDB refuses while another process holds the write lock.
    """
    duckdb_path, out = Path(duckdb_path), Path(out_dir)
    if not duckdb_path.is_file():
        raise FileNotFoundError(f"No DuckDB warehouse at {duckdb_path}: run `dbt build` first.")
    out.parent.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    new = out.with_name(f".{out.name}.{stamp}")
    os.mkdir(new)  # the umask's mode; invisible to readers until swapped in
    try:
        payload = _export_into(duckdb_path, new, build_summary)
        # The build history (warehouse.run_results) goes on with the export it sits beside.
        history = out / HISTORY_FILE
        if history.is_file():
            shutil.copyfile(history, new / HISTORY_FILE)
        _stop_point("written")
        _swap_in(out, new)
    except BaseException:
        if out.resolve() != new.resolve():  # never the export readers were just given
            shutil.rmtree(new, ignore_errors=True)
        raise
    return payload


def _export_into(
    duckdb_path: Path, out: Path, build_summary: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Write the marts and `_build.json` into the new export folder `out`."""
    exported: dict[str, dict] = {}
    dates: list[str] = []
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        # Each model's preferred schema first (names come from information_schema).
        found = con.execute(
            "select table_name, first(table_schema order by "
            "coalesce(list_position(?, table_schema), 99), table_schema) "
            "from information_schema.tables where table_catalog = current_database() "
            "and table_name = any(?) group by table_name",
            [_SCHEMA_PREFERENCE, list(MART_MODELS)],
        ).fetchall()
        relations = {table: f'"{schema}"."{table}"' for table, schema in found}
        for model in (m for m in MART_MODELS if m in relations):
            query = f"select * from {relations[model]}"  # noqa: S608 - names from information_schema
            rows = con.execute(
                f"copy ({query}) to ? (format parquet)", [str(out / f"{model}.parquet")]
            ).fetchone()[0]
            exported[model] = {"rows": rows, "file": f"{model}.parquet"}
            _stop_point(model)
        if "fact_track_popularity" in relations:
            dates = [
                day.isoformat()
                for (day,) in con.execute(
                    f"select distinct snapshot_date from {relations['fact_track_popularity']} "  # noqa: S608
                    "where snapshot_date is not null order by 1"
                ).fetchall()
            ]

    missing = [m for m in MART_MODELS if m not in exported]  # a new folder: none lingers

    payload = {
        "exported_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duckdb_path": str(duckdb_path),
        "build": dict(build_summary) if build_summary is not None else None,
        "models": exported,
        "missing_models": missing,
        "snapshot_dates": {
            "first": dates[0] if dates else None,
            "last": dates[-1] if dates else None,
            "count": len(dates),
            "dates": dates,
        },
    }
    text = json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n"
    (out / BUILD_FILE).write_text(text, encoding="utf-8")
    return payload


def main(argv: list[str] | None = None) -> int:
    data_dir = Path(paths.data_dir())
    parser = argparse.ArgumentParser(prog="python -m warehouse.export", description=__doc__)
    parser.add_argument("--duckdb-path", default=paths.duckdb_path())
    parser.add_argument("--out-dir", default=str(data_dir / "marts"))
    parser.add_argument(
        "--run-results",
        default=None,
        help="dbt's run_results.json of the build just done (default: dbt/target/run_results.json"
        " when it exists)",
    )
    args = parser.parse_args(argv)
    run_results = args.run_results
    if run_results is None and Path("dbt/target/run_results.json").is_file():
        run_results = "dbt/target/run_results.json"
    try:
        summary = DbtRun.from_run_results(run_results).summary() if run_results else None
    except (OSError, ValueError, KeyError) as error:
        print(f"export failed: {run_results} is not dbt run results: {error!r}", file=sys.stderr)
        return 1
    try:
        payload = export_marts(args.duckdb_path, args.out_dir, summary)
    except (FileNotFoundError, duckdb.IOException) as error:
        print(f"export failed: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # disk full, read-only folder, permission: say where
        logging.getLogger(__name__).debug("export failed", exc_info=True)
        where = error.filename or args.out_dir
        print(f"export failed: cannot write {where}: {error.strerror or error}", file=sys.stderr)
        print(f"the previous export in {args.out_dir} is unchanged", file=sys.stderr)
        return 1
    missing = payload["missing_models"]
    print(
        f"exported {len(payload['models'])} models to {args.out_dir}"
        + (f" (missing: {', '.join(missing)})" if missing else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
