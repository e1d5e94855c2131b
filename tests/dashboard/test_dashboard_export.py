"""warehouse.export: the marts the dashboard reads, written atomically from a read-only open."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dashboard_synthetic import build_synthetic_marts

from warehouse import export
from warehouse.dbt_runner import DbtRun
from warehouse.export import export_marts
from warehouse.models import MART_MODELS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def warehouse(tmp_path):
    build_synthetic_marts(tmp_path)
    return tmp_path / "warehouse" / "spotify.duckdb"


def test_exports_every_documented_model_and_the_build_file(warehouse, tmp_path):
    out = tmp_path / "exported"
    summary = {"status": "success", "tests": {"pass": 7}}
    payload = export_marts(warehouse, out, summary)

    assert set(payload["models"]) == set(MART_MODELS)
    assert payload["missing_models"] == []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for model in MART_MODELS:
            table = pq.read_table(out / f"{model}.parquet")
            relation = con.table(model)
            rows, columns = len(relation.fetchall()), relation.columns
            assert table.num_rows == rows == payload["models"][model]["rows"]
            assert table.column_names == columns
    written = json.loads((out / "_build.json").read_text())
    assert written == json.loads(json.dumps(payload))
    assert written["build"] == summary
    assert written["exported_at"].endswith("Z")
    assert written["snapshot_dates"]["first"] == "2026-11-18"
    assert written["snapshot_dates"]["last"] == "2026-11-25"
    assert written["snapshot_dates"]["count"] == 8
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{m}.parquet" for m in MART_MODELS] + ["_build.json"]
    ), "no temporary file may be left behind"


def test_opens_the_warehouse_read_only(warehouse, tmp_path):
    before = warehouse.stat().st_mtime_ns, warehouse.read_bytes()
    export_marts(warehouse, tmp_path / "out")
    assert (warehouse.stat().st_mtime_ns, warehouse.read_bytes()) == before
    assert not warehouse.with_name(warehouse.name + ".wal").exists()


def _seen(out):
    """What a reader of the marts folder sees: every file of the export it resolves to."""
    folder = out.resolve()
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_a_failed_export_keeps_the_previous_one_whole(warehouse, tmp_path, monkeypatch):
    out = tmp_path / "out"
    export_marts(warehouse, out)
    before = _seen(out)

    class FailingConnection:
        """The read-only connection, whose COPY to a file fails half-written (disk full)."""

        def __init__(self, con):
            self.con = con

        def __getattr__(self, name):
            return getattr(self.con, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.con.close()

        def execute(self, sql, params=None):
            if sql.startswith("copy") and "top_tracks" in sql:
                with open(params[0], "wb") as half_written:
                    half_written.write(b"PAR1")
                raise duckdb.IOException("disk full")
            return self.con.execute(sql, params)

    real_connect = duckdb.connect
    monkeypatch.setattr(
        export.duckdb, "connect", lambda *a, **k: FailingConnection(real_connect(*a, **k))
    )
    with pytest.raises(duckdb.IOException, match="disk full"):
        export_marts(warehouse, out)
    assert _seen(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == [
        out.resolve().name
    ], "the failed export's folder is removed"


# The points an export is killed at: after its first and its last model, with everything
# written, with the new link made, and right after the swap.
STOP_POINTS = [MART_MODELS[0], MART_MODELS[-1], "written", "linked", "swapped"]


@pytest.mark.parametrize("stop_at", STOP_POINTS)
def test_an_export_killed_at_any_point_leaves_one_whole_export(warehouse, tmp_path, stop_at):
    """A real export process stopped at a point, then SIGKILLed: readers see the whole old
    export (or, once swapped, the whole new one), `_build.json` included; the next export
    completes and removes what the killed one left."""
    out = tmp_path / "marts"
    export_marts(warehouse, out, {"status": "old"})
    before = _seen(out)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from top_tracks where popularity < 60")  # the new export differs
    results = tmp_path / "run_results.json"
    results.write_text(json.dumps({"metadata": {"invocation_id": "new"}, "results": []}))
    command = [sys.executable, "-m", "warehouse.export", "--duckdb-path", str(warehouse)]
    process = subprocess.Popen(
        [*command, "--out-dir", str(out), "--run-results", str(results)],
        env={**os.environ, "EXPORT_STOP_AT": stop_at, "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
    )
    _, status = os.waitpid(process.pid, os.WUNTRACED)  # returns once it stopped itself
    assert os.WIFSTOPPED(status)
    process.kill()
    process.wait()

    seen = _seen(out)
    if stop_at == "swapped":
        assert json.loads(seen["_build.json"])["build"]["invocation_id"] == "new"
        assert (
            pq.read_table(out / "top_tracks.parquet").num_rows
            < pq.read_table(pa.BufferReader(before["top_tracks.parquet"])).num_rows
        )
    else:
        assert seen == before
    build = json.loads(seen["_build.json"])
    assert set(seen) == {f"{m}.parquet" for m in build["models"]} | {"_build.json"}

    export_marts(warehouse, out, {"status": "after"})
    assert json.loads((out / "_build.json").read_text())["build"] == {"status": "after"}
    left = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".marts"))
    assert len(left) <= 2, left  # the new export and the one readers may still be on
    assert out.resolve().name in left


def test_exported_files_get_the_umask_modes(warehouse, tmp_path):
    previous = os.umask(0o027)
    try:
        export_marts(warehouse, tmp_path / "out")
        export_marts(warehouse, tmp_path / "out")  # a second export: a new folder, same modes
    finally:
        os.umask(previous)
    folder = (tmp_path / "out").resolve()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o750
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()}
    assert set(modes.values()) == {0o640}, modes
    assert "_build.json" in modes


def test_an_export_to_a_read_only_folder_is_one_clear_line(warehouse, read_only_dir, capsys):
    out = read_only_dir / "marts"
    assert export.main(["--duckdb-path", str(warehouse), "--out-dir", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"export failed: cannot write {read_only_dir}" in err
    assert "Read-only file system" in err or "Permission denied" in err
    assert "Traceback" not in err


def test_missing_models_are_listed_and_stale_exports_removed(warehouse, tmp_path):
    out = tmp_path / "out"
    export_marts(warehouse, out)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("drop table track_movers_7d")
        # dbt may build into a custom schema: the export finds the model there too.
        con.execute("create schema main_marts")
        con.execute("create table main_marts.top_tracks as select * from main.top_tracks")
        con.execute("drop table main.top_tracks")
    payload = export_marts(warehouse, out)
    assert payload["missing_models"] == ["track_movers_7d"]
    assert not (out / "track_movers_7d.parquet").exists()
    assert pq.read_table(out / "top_tracks.parquet").num_rows == 18


def test_a_missing_warehouse_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="dbt build"):
        export_marts(tmp_path / "nope.duckdb", tmp_path / "out")


def test_the_build_summary_of_a_run_results_file(tmp_path):
    run_results = {
        "metadata": {"generated_at": "2026-11-25T06:10:00Z", "invocation_id": "abc"},
        "elapsed_time": 12.5,
        "results": [
            {"unique_id": "model.spotify.top_tracks", "status": "success"},
            {"unique_id": "snapshot.spotify.artists_snapshot", "status": "success"},
            {"unique_id": "test.spotify.not_null_top_tracks_track_id.1a", "status": "pass"},
            {"unique_id": "test.spotify.unique_dim_track_track_id.2b", "status": "pass"},
            {
                "unique_id": "test.spotify.accepted_values_x.3c",
                "status": "fail",
                "failures": 2,
                "message": "Got 2 results",
            },
        ],
    }
    path = tmp_path / "run_results.json"
    path.write_text(json.dumps(run_results))
    summary = DbtRun.from_run_results(path).summary()
    assert summary["status"] == "error"
    assert summary["finished_at"] == "2026-11-25T06:10:00Z"
    assert summary["tests"] == {"fail": 1, "pass": 2}
    assert summary["models"] == {"success": 2}
    assert summary["failed"] == [
        {
            "unique_id": "test.spotify.accepted_values_x.3c",
            "status": "fail",
            "message": "Got 2 results",
        }
    ]
    path.write_text(json.dumps({"results": run_results["results"][:4]}))
    assert DbtRun.from_run_results(path).summary()["status"] == "success"


def test_cli_reads_the_environment(warehouse, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DUCKDB_PATH", str(warehouse))
    monkeypatch.chdir(tmp_path)  # no dbt/target/run_results.json here
    (tmp_path / "marts").mkdir(exist_ok=True)
    for stale in (tmp_path / "marts").iterdir():
        stale.unlink()
    assert export.main([]) == 0
    assert f"exported {len(MART_MODELS)} models" in capsys.readouterr().out
    assert (tmp_path / "marts" / "top_tracks.parquet").is_file()
    assert json.loads((tmp_path / "marts" / "_build.json").read_text())["build"] is None
    # After a `dbt build` by hand: the build summary of its run_results.json.
    results = tmp_path / "run_results.json"
    results.write_text(json.dumps({"metadata": {"invocation_id": "by-hand"}, "results": []}))
    assert export.main(["--run-results", str(results)]) == 0
    build = json.loads((tmp_path / "marts" / "_build.json").read_text())["build"]
    assert (build["invocation_id"], build["status"]) == ("by-hand", "success")
    # A file that is not dbt's run results: a clear error, and the last export stays.
    capsys.readouterr()
    for bad in ("{not json", json.dumps({"results": [{"status": "success"}]})):
        results.write_text(bad)
        assert export.main(["--run-results", str(results)]) == 1
        assert f"{results} is not dbt run results" in capsys.readouterr().err
    assert export.main(["--run-results", str(tmp_path / "missing.json")]) == 1
    assert json.loads((tmp_path / "marts" / "_build.json").read_text())["build"] == build
    monkeypatch.setenv("DUCKDB_PATH", str(tmp_path / "missing.duckdb"))
    assert export.main([]) == 1
