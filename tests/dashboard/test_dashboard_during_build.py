"""The dashboard reads while `dbt build` holds the warehouse's write lock, and both succeed."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import time
from pathlib import Path

import duckdb
import pytest
from dashboard_pipeline import APP, dbt_build_command, dbt_env, extract_days
from streamlit.testing.v1 import AppTest

from warehouse.dbt_runner import DbtRun
from warehouse.export import export_marts

PAGES = [
    "views/overview.py",
    "views/popularity.py",
    "views/top_artists.py",
    "views/top_tracks.py",
    "views/release_trend.py",
    "views/albums.py",
    "views/artist_insights.py",
    "views/catalogue.py",
]


def write_lock_holders(path: Path) -> set[int]:
    """Pids holding a POSIX write lock on `path`, from /proc/locks (observing takes no lock)."""
    inode = os.stat(path).st_ino
    holders = set()
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "->" in fields:  # a waiting request, not a held lock
            continue
        if len(fields) >= 6 and fields[3] == "WRITE" and fields[5].endswith(f":{inode}"):
            holders.add(int(fields[4]))
    return holders


def render(page: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.switch_page(page).run()
    return at


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="needs Linux /proc/locks")
def test_dashboard_works_while_dbt_build_holds_the_write_lock(sandbox_marts, tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    shutil.copytree(sandbox_marts.data_dir / "raw", data_dir / "raw")
    shutil.copytree(sandbox_marts.data_dir / "warehouse", data_dir / "warehouse")
    shutil.copytree(sandbox_marts.data_dir / "marts", data_dir / "marts")
    duckdb_path = data_dir / "warehouse" / "spotify.duckdb"
    new_day = sandbox_marts.days[-1] + dt.timedelta(days=1)
    extract_days(data_dir, [new_day], "extended")  # so the build has a new day to load
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    monkeypatch.setenv("DUCKDB_PATH", str(duckdb_path))

    log = tmp_path / "dbt.log"
    with log.open("w") as out:
        build = subprocess.Popen(
            dbt_build_command(data_dir),
            cwd=Path(APP).parents[1],
            env=dbt_env(data_dir, duckdb_path),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while build.pid not in write_lock_holders(duckdb_path):
            assert build.poll() is None, (
                "dbt build ended before it took the lock:\n" + (log.read_text()[-3000:])
            )
            assert time.monotonic() < deadline, "dbt build never took the write lock"
            time.sleep(0.05)

        # The lock is real: anything opening the DuckDB file now would fail (or wait).
        with pytest.raises(duckdb.IOException, match="lock"):
            duckdb.connect(str(duckdb_path), read_only=True)

        rendered_under_lock = []
        for page in PAGES:
            at = render(page)
            assert not at.exception, (page, [e.message for e in at.exception])
            assert at.title[0].value != "No data yet", page
            if build.pid in write_lock_holders(duckdb_path):
                rendered_under_lock.append(page)
            else:
                break
        assert rendered_under_lock, "no page finished while dbt held the lock"
        print(f"pages rendered while dbt held the write lock: {rendered_under_lock}")
        returncode = build.wait(timeout=300)
    finally:
        if build.poll() is None:
            build.kill()
            build.wait()
    assert returncode == 0, "dbt build failed:\n" + log.read_text()[-4000:]

    # The export after the build (what the dbt DAG does in its pool); the dashboard then
    # shows the new day.
    run_results = DbtRun.from_run_results(data_dir / "dbt_target" / "run_results.json").summary()
    export_marts(duckdb_path, data_dir / "marts", run_results)
    at = render("views/overview.py")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Days loaded"] == str(len(sandbox_marts.days) + 1)
    assert metrics["Data freshness"] == f"{new_day.day} {new_day:%b %Y}"
