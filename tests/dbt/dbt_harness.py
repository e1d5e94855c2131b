"""Helpers of the dbt project's tests: raw files per day and a dbt runner per warehouse.

The raw files are produced once per run per tier (conftest.py) by `ingestion.extract.extract_day`
against the in-process sandbox (no credentials), then copied day by day into each test's own
DATA_DIR, so every warehouse starts from exactly what the pipeline writes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from ingestion.raw_writer import RAW_ENTITIES, describe_file, raw_path, summary_path

ROOT = Path(__file__).resolve().parents[2]
ENTITIES = RAW_ENTITIES
DAYS = 6  # five days for the first build, one more for the incremental run
# The sandbox's playlists (docs/interfaces.md section 1): Lofi Girl's and Today's Top Hits'
# ids (refused in Development Mode) and the app user's own playlist (readable in both tiers).
PLAYLISTS = ("0vvXsWCC9xrXsKd4FyS8kM", "37i9dQZF1DXcBWIGoYBM5M", "5dIdB7pSaQEfQeePzeGVTN")
OWN_PLAYLIST = "5dIdB7pSaQEfQeePzeGVTN"


def roster_with_playlists(path: Path) -> Path:
    """The default roster's artists plus the sandbox's playlists, written to `path`."""
    import yaml

    roster = yaml.safe_load((ROOT / "ingestion" / "artists.yml").read_text(encoding="utf-8"))
    roster["playlists"] = list(PLAYLISTS)
    path.write_text(yaml.safe_dump(roster, sort_keys=False), encoding="utf-8")
    return path


# Past dates (the project tests that no date is in the future), consecutive; fixed for the
# whole session, so a run crossing midnight UTC uses the same days in every fixture.
_TODAY = datetime.now(UTC).date()


def snapshot_dates() -> list[date]:
    return [_TODAY - timedelta(days=10 - i) for i in range(DAYS)]


def copy_days(
    source: Path,
    data_dir: Path,
    days: list[date],
    *,
    publish: bool = True,
    entities: tuple[str, ...] = ENTITIES,
) -> None:
    """Copy the days' entity files, then (publish=True) their run summaries, which publish
    them, as the ingestion does."""
    for day in days:
        for entity in entities:
            # The same name as in `source` (the one its run summary lists).
            listed = raw_path(source, entity, day.isoformat())
            target = data_dir / listed.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(listed, target)
        if publish:
            # The summary lists the entities copied (a day of fewer entities is published so).
            summary = json.loads(summary_path(source, day.isoformat()).read_text())
            summary["files"] = [f for f in summary["files"] if f["entity"] in entities]
            summary["rows"] = {e: n for e, n in summary["rows"].items() if e in entities}
            target = summary_path(data_dir, day.isoformat())
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(summary))


def publish_copy(source: Path, data_dir: Path, day: date) -> None:
    """Publish a day whose files are already in data_dir: its run summary, as in `source`."""
    target = summary_path(data_dir, day.isoformat())
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(summary_path(source, day.isoformat()), target)


def reseal(data_dir: Path, day: date) -> None:
    """Make the day's run summary describe its files as they now are (rows, bytes, sha256): a
    day whose content changed but is whole, as a real extraction of that content would be."""
    path = summary_path(data_dir, day.isoformat())
    summary = json.loads(path.read_text())
    for listed in summary["files"]:
        listed.update(describe_file(data_dir / "raw" / listed["path"]))
        summary["rows"][listed["entity"]] = listed["rows"]
    path.write_text(json.dumps(summary))


def republish(data_dir: Path, day: date, published_at: str) -> None:
    """Publish a day again (what extracting it again does), with the given published_at."""
    path = summary_path(data_dir, day.isoformat())
    summary = json.loads(path.read_text())
    path.write_text(json.dumps({**summary, "published_at": published_at}))


@dataclass
class DbtResult:
    returncode: int
    output: str
    results: list[dict]

    def failed(self, resource_type: str = "test") -> set[str]:
        """Names of the nodes of that type (test, model, ...) that failed or errored."""
        return {
            r["unique_id"].split(".")[2]
            for r in self.results
            if r["unique_id"].startswith(resource_type + ".") and r["status"] in ("fail", "error")
        }


def _check(result: DbtResult) -> None:
    assert result.returncode == 0, result.output[-6000:]


# dbt runs in the warehouse's folder with DATA_DIR "." (DUCKDB_PATH its default under it): the
# profile and every env_var dbt reads are then the same for all warehouses, so each one's first
# dbt command partially parses from one parse of the project (`PARSED_PROJECT`) instead of
# parsing it all again (about 3 s of CPU per command). The DAG's and `make run`'s builds use
# absolute paths.
# One DuckDB thread (and one dbt thread, `Warehouse.dbt`): on a few days of data, more threads
# only add waiting and switching, about a fifth of a build's CPU, which the suite's parallel
# workers need. The DAG's builds, in the Airflow tests and `make run`, keep the profile's threads.
DBT_ENV = {
    **{k: v for k, v in os.environ.items() if k != "DUCKDB_PATH"},
    "DATA_DIR": ".",
    "DBT_PROJECT_DIR": str(ROOT / "dbt"),
    "DBT_PROFILES_DIR": str(ROOT / "dbt"),
    "DO_NOT_TRACK": "1",
    "DUCKDB_THREADS": "1",
}


NO_TESTS = ("--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")


# The dbt-target folder of the run's parse of the project (`parse_project`), set by the
# `parsed_project` fixture (conftest.py): each warehouse's first dbt command starts from its
# partial-parse file.
PARSED_PROJECT: Path | None = None


def parse_project(folder: Path) -> None:
    """`dbt parse` into folder/dbt-target: partial_parse.msgpack and manifest.json."""
    returncode, output, _ = _dbt_in_process(["parse", *dbt_paths(folder)], folder)
    assert returncode == 0, output[-6000:]


def dbt_paths(folder: Path) -> list[str]:
    """The project, profile, target and log arguments of a dbt command for `folder`. No debug
    file log: writing it costs about 7 % of a small build's CPU, and a failing test shows
    dbt's own messages (`DbtResult.output`)."""
    return [
        "--log-level-file",
        "none",
        "--project-dir",
        str(ROOT / "dbt"),
        "--profiles-dir",
        str(ROOT / "dbt"),
        "--target-path",
        str(folder / "dbt-target"),
        "--log-path",
        str(folder / "dbt-logs"),
    ]


def _dbt_in_process(command: list[str], folder: Path) -> tuple[int, str, list[dict]]:
    """dbtRunner in `folder` with DBT_ENV (both restored after): dbt's exit code (0, 1 for a
    failing node, 2 for an error), the messages it logged at info level and above, and each
    node's result as run_results.json lists it (unique_id, status)."""
    from dbt.cli.main import dbtRunner

    from warehouse.dbt_runner import close_duckdb_connection

    logged: list[str] = []

    def keep(event) -> None:
        if event.info.level in ("info", "warn", "error"):
            logged.append(event.info.msg)

    saved_env, saved_cwd = dict(os.environ), Path.cwd()
    os.environ.clear()
    os.environ.update(DBT_ENV)
    os.chdir(folder)
    try:
        outcome = dbtRunner(callbacks=[keep]).invoke(command)
    finally:
        close_duckdb_connection()  # the tests open the file read-only in this process
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    if outcome.exception is not None:
        logged.append(f"{type(outcome.exception).__name__}: {outcome.exception}")
    results = [
        {"unique_id": r.node.unique_id, "status": str(r.status)}
        for r in getattr(outcome.result, "results", None) or []
    ]
    returncode = 0 if outcome.success else 2 if outcome.exception else 1
    return returncode, "\n".join(logged), results


@dataclass
class Warehouse:
    """A DATA_DIR (dbt's working directory) + DuckDB file + dbt target folder of its own."""

    data_dir: Path

    @property
    def duckdb_path(self) -> Path:
        # A folder that does not exist yet: the profile's plugin must create it.
        return self.data_dir / "warehouse" / "spotify.duckdb"

    @property
    def target_path(self) -> Path:
        return self.data_dir / "dbt-target"

    def dbt(self, *args: str, program: tuple[str, ...] | None = None) -> DbtResult:
        """dbt with `args` on this warehouse, in this process (dbtRunner, as the DAG runs it:
        no interpreter start and import of dbt per command); `program`: a script taking dbt's
        arguments, run in its own process instead.

        In this process, dbt writes no manifest.json or run_results.json (about half a CPU
        second a command; the results come from dbtRunner), but for `docs generate`, whose
        output they are."""
        if not (self.target_path / "partial_parse.msgpack").exists():
            assert PARSED_PROJECT, "the parsed_project fixture (conftest.py) has not run"
            self.target_path.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(
                PARSED_PROJECT / "partial_parse.msgpack",
                self.target_path / "partial_parse.msgpack",
            )
        command = ["--no-use-colors", *args, "--threads", "1", *dbt_paths(self.data_dir)]
        if program:
            results_file = self.target_path / "run_results.json"
            results_file.unlink(missing_ok=True)  # an earlier command's
            run = subprocess.run(
                [*program, *command],
                cwd=self.data_dir,
                env=DBT_ENV,
                capture_output=True,
                text=True,
                timeout=600,
            )
            results = (
                json.loads(results_file.read_text())["results"] if results_file.exists() else []
            )
            return DbtResult(run.returncode, run.stdout + run.stderr, results)
        if args[0] != "docs":
            command.append("--no-write-json")
        return DbtResult(*_dbt_in_process(command, self.data_dir))

    def copy(self, folder: Path) -> Warehouse:
        """This warehouse's raw layer, DuckDB file and dbt target copied to `folder`: a test that
        starts from what a fixture already built starts from a copy instead of building it again."""
        shutil.copytree(self.data_dir, folder)
        return Warehouse(folder)

    def build(self, *args: str) -> DbtResult:
        """A plain `dbt build` (what the DAG's build task runs); fails the test if it fails."""
        result = self.dbt("build", *args)
        _check(result)
        return result

    def build_tables(self, *args: str) -> DbtResult:
        """`dbt build` without the data and unit tests, which change no table and take most
        of a small build's time: for the builds a test checks only by the tables they leave."""
        return self.build(*NO_TESTS, *args)

    def connect(self, *, read_only: bool = True) -> duckdb.DuckDBPyConnection:
        """The warehouse, its relative raw paths (DATA_DIR ".") resolved in its folder: the
        view stg_spotify__raw_file_problems reads the run summaries."""
        con = duckdb.connect(str(self.duckdb_path), read_only=read_only)
        con.execute("set file_search_path = ?", [str(self.data_dir)])
        return con

    def query(self, sql: str) -> list[tuple]:
        with self.connect() as con:
            return con.sql(sql).fetchall()
