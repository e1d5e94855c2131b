"""History per snapshot date in the SCD2 snapshots, however many dates one build processes.

A dbt snapshot captures the state of its input when it runs. `dbt build` computes that input
(`int_spotify__*_states`) as of the latest raw date, so a build over several new dates (the first
build, `make run`'s seven days, a backfill) would version only the last one. Before such a build,
`build_with_snapshot_history` therefore snapshots every new date but the latest in ascending
order, as of that date (the states computed from the raw dates up to it: dbt var `snapshot_as_of`,
passed as the environment variable DBT_SNAPSHOT_AS_OF), then runs the build, whose own snapshot
step versions the latest date:

    done = build_with_snapshot_history(run, data_dir=..., duckdb_path=..., check=...)
    done.history_dates, done.build  # the dates snapshotted one by one, the build's result

`run(command)` invokes dbt (`warehouse.dbt_runner.run_dbt` in Airflow, the dbt CLI in the tests)
and `check(result)` raises if it failed, which stops before the next command.

"New" means later than the date every snapshot was last computed as of, which the snapshots'
post-hook (macro `record_snapshot_as_of`) records in the table `snapshot_as_of_dates` only when
the snapshot succeeded. Without that table (first build, or a warehouse built before it
existed), every raw date is replayed: replaying a date the snapshots have already seen adds no
version (its state start is never later than the current version's). A date older than the
latest snapshotted one (a late backfill) is not versioned: the timestamp strategy only moves
forward. Its daily values are still in fact_track_popularity and the staging models.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

from ingestion.raw_writer import RAW_ENTITIES

R = TypeVar("R")

SNAPSHOTS = ("snap_spotify__artists", "snap_spotify__albums", "snap_spotify__tracks")
WATERMARK_TABLE = "snapshot_as_of_dates"
AS_OF_ENV = "DBT_SNAPSHOT_AS_OF"  # read by the macro entity_state (dbt var snapshot_as_of wins)


def raw_snapshot_dates(data_dir: str | os.PathLike) -> list[str]:
    """Snapshot dates with all three raw files (`raw/<entity>/<date>.csv`) present."""
    raw = os.path.join(data_dir, "raw")
    per_entity = []
    for entity in RAW_ENTITIES:
        path = os.path.join(raw, entity)
        names = os.listdir(path) if os.path.isdir(path) else []
        per_entity.append({n[:-4] for n in names if n.endswith(".csv") and len(n) == 14})
    return sorted(set.intersection(*per_entity))


def snapshotted_as_of(duckdb_path: str | os.PathLike) -> str | None:
    """The latest date every snapshot has been computed as of; None if any never recorded one."""
    import duckdb

    if not os.path.exists(duckdb_path):
        return None
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        found = con.execute(
            "select table_schema from information_schema.tables "
            "where table_name = ? order by table_schema",
            [WATERMARK_TABLE],
        ).fetchall()
        if not found:
            return None
        schema = found[0][0].replace('"', '""')
        rows = dict(
            con.execute(
                f'select snapshot_name, as_of_date from "{schema}".{WATERMARK_TABLE}'  # noqa: S608
            ).fetchall()
        )
    dates = [rows.get(name) for name in SNAPSHOTS]
    if any(d is None for d in dates):
        return None
    return str(min(dates))


def history_dates(raw_dates: list[str], as_of: str | None) -> list[str]:
    """The dates to snapshot one by one before the build: the raw dates later than `as_of`,
    ascending, but the latest (the build's own snapshot step captures it). Empty with one new
    date or none."""
    new = sorted(d for d in set(raw_dates) if as_of is None or d > as_of)
    return new[:-1]


def history_command(*, first: bool) -> list[str]:
    """The dbt command that snapshots as of the date in `DBT_SNAPSHOT_AS_OF`.

    The first one builds the snapshots with everything they are computed from (staging and
    states views) and their data tests: the staging views hold every raw date whatever the
    as-of date, so bad raw data stops here, before anything is snapshotted, as in a plain
    build. The next ones only rebuild the states views (they depend on the date) and run the
    snapshots.
    """
    select = "+resource_type:snapshot" if first else "1+resource_type:snapshot"
    command = ["build", "--select", select, "--exclude-resource-type", "unit_test"]
    if not first:
        command += ["--exclude-resource-type", "test"]
    return command


@contextmanager
def snapshot_as_of(snapshot_date: str | None) -> Iterator[None]:
    """Run dbt as of `snapshot_date` (None: the latest date) inside the block.

    Through the environment variable the macro entity_state reads when the dbt var
    `snapshot_as_of` is not given: unlike a changed `--vars`, which makes dbt re-parse the
    whole project (~3 s a run), a changed environment variable only re-parses the three
    states models. Works for dbt in this process and in a subprocess inheriting os.environ.
    """
    saved = os.environ.pop(AS_OF_ENV, None)
    if snapshot_date is not None:
        os.environ[AS_OF_ENV] = snapshot_date
    try:
        yield
    finally:
        os.environ.pop(AS_OF_ENV, None)
        if saved is not None:
            os.environ[AS_OF_ENV] = saved


@dataclass
class HistoryBuild(Generic[R]):
    """What `build_with_snapshot_history` ran: the dates snapshotted one by one, and every
    dbt result in order (one per date, then the build's)."""

    history_dates: list[str]
    results: list[R]

    @property
    def build(self) -> R:
        return self.results[-1]


def build_with_snapshot_history(
    run: Callable[[list[str]], R],
    *,
    data_dir: str | os.PathLike,
    duckdb_path: str | os.PathLike,
    check: Callable[[R], None],
) -> HistoryBuild[R]:
    """Snapshot each new date but the latest as of itself (ascending), then `dbt build`.
    `check` raises on a failed run, which stops the sequence."""
    dates = history_dates(raw_snapshot_dates(data_dir), snapshotted_as_of(duckdb_path))
    steps = [(d, history_command(first=i == 0)) for i, d in enumerate(dates)]
    results = []
    for as_of, command in [*steps, (None, ["build"])]:
        with snapshot_as_of(as_of):
            result = run(command)
        check(result)
        results.append(result)
    return HistoryBuild(dates, results)
