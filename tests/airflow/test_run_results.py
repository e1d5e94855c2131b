"""The per-node dbt results: the `dbt_run_results` history, its Parquet export, the event's
nodes, and why the invocation id was null (a real dbt invocation)."""

from __future__ import annotations

import json
import os

import duckdb
import pyarrow.parquet as pq
import pytest

from warehouse.run_results import BuildRecord, recorded_build, run_results_path


def _result(unique_id, status, seconds, *, relation=None, failures=None, message=None):
    return {
        "unique_id": unique_id,
        "status": status,
        "execution_time": seconds,
        "adapter_response": {"_message": "OK"},
        "failures": failures,
        "message": message,
        "relation_name": relation,
        "timing": [
            {"name": "compile", "started_at": "2026-11-26T10:00:00Z"},
            {
                "name": "execute",
                "started_at": "2026-11-26T10:00:01.000000Z",
                "completed_at": "2026-11-26T10:00:02.500000Z",
            },
        ],
    }


def _run_results(invocation_id, results, generated_at="2026-11-26T10:00:05Z"):
    return {
        "metadata": {"invocation_id": invocation_id, "generated_at": generated_at},
        "args": {"which": "build"},
        "elapsed_time": 5.0,
        "results": results,
    }


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create table main.dim_artist as select range as id from range(7)")
    return path


def _write(project, payload):
    target = run_results_path(project)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(payload))
    # A new mtime even on a coarse clock.
    stat = target.stat()
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))


def test_a_build_is_appended_one_row_per_node_and_exported(tmp_path, warehouse):
    project, marts = tmp_path / "dbt", tmp_path / "marts"
    build_one = _run_results(
        "inv-1",
        [
            {**_result("operation.spotify.spotify-on-run-start-0", "success", 0.01)},
            _result(
                "model.spotify.dim_artist", "success", 1.23456, relation='"w"."main"."dim_artist"'
            ),
            _result("test.spotify.not_null_dim_artist_id.1a2b3c", "pass", 0.2, failures=0),
            _result(
                "test.spotify.unique_dim_artist_id.4d5e6f",
                "fail",
                0.3,
                failures=2,
                message="Got 2 results, configured to fail if != 0",
            ),
            _result("model.spotify.top_artists", "skipped", 0.0, relation='"w"."main"."nope"'),
        ],
    )
    with recorded_build(project_dir=project, duckdb_path=warehouse, marts_dir=marts) as found:
        _write(project, build_one)
    assert isinstance(found, BuildRecord)
    assert found.invocation_id == "inv-1"

    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select invocation_id, command, unique_id, name, resource_type, status, "
            "rows_affected, relation_rows, execution_seconds, failures, message, "
            "cast(started_at as varchar), cast(completed_at as varchar) "
            "from main.dbt_run_results order by unique_id"
        ).fetchall()
    assert rows == [
        ("inv-1", "build", "model.spotify.dim_artist", "dim_artist", "model", "success",
         None, 7, 1.235, None, None, "2026-11-26 10:00:01", "2026-11-26 10:00:02.5"),
        ("inv-1", "build", "model.spotify.top_artists", "top_artists", "model", "skipped",
         None, None, 0.0, None, None, "2026-11-26 10:00:01", "2026-11-26 10:00:02.5"),
        ("inv-1", "build", "test.spotify.not_null_dim_artist_id.1a2b3c",
         "not_null_dim_artist_id", "test", "pass", None, None, 0.2, 0, None,
         "2026-11-26 10:00:01", "2026-11-26 10:00:02.5"),
        ("inv-1", "build", "test.spotify.unique_dim_artist_id.4d5e6f", "unique_dim_artist_id",
         "test", "fail", None, None, 0.3, 2, "Got 2 results, configured to fail if != 0",
         "2026-11-26 10:00:01", "2026-11-26 10:00:02.5"),
    ]  # fmt: skip

    # The event's nodes: the build summary gains the invocation id and each node's result.
    summary = found.summary({"status": "error", "invocation_id": None})
    assert summary["invocation_id"] == "inv-1"
    assert summary["nodes"][0] == {
        "node": "model.spotify.dim_artist",
        "type": "model",
        "status": "success",
        "rows": 7,
        "seconds": 1.235,
    }
    assert summary["nodes"][1]["failures"] == 0
    assert summary["nodes"][2] == {
        "node": "test.spotify.unique_dim_artist_id.4d5e6f",
        "type": "test",
        "status": "fail",
        "rows": None,
        "seconds": 0.3,
        "failures": 2,
    }

    # A second build appends; recording the same invocation again replaces its rows.
    build_two = _run_results(
        "inv-2",
        [_result("model.spotify.dim_artist", "success", 0.5, relation='"w"."main"."dim_artist"')],
        generated_at="2026-11-27T10:00:05Z",
    )
    for payload in (build_two, build_two):
        with recorded_build(project_dir=project, duckdb_path=warehouse, marts_dir=marts):
            _write(project, payload)
    exported = pq.read_table(marts / "dbt_run_results.parquet").to_pylist()
    assert [(r["invocation_id"], r["name"]) for r in exported] == [
        ("inv-1", "dim_artist"),
        ("inv-1", "top_artists"),
        ("inv-1", "not_null_dim_artist_id"),
        ("inv-1", "unique_dim_artist_id"),
        ("inv-2", "dim_artist"),
    ]


def test_a_failing_build_is_recorded_and_still_raises(tmp_path, warehouse):
    project, marts = tmp_path / "dbt", tmp_path / "marts"
    failed = _run_results(
        "inv-f", [_result("model.spotify.dim_artist", "error", 0.1, message="boom")]
    )

    def failing_build():
        with recorded_build(project_dir=project, duckdb_path=warehouse, marts_dir=marts):
            _write(project, failed)
            raise RuntimeError("the build failed")

    with pytest.raises(RuntimeError, match="the build failed"):
        failing_build()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select status, message from main.dbt_run_results").fetchall() == [
            ("error", "boom")
        ]


def test_a_stale_run_results_file_is_not_recorded_as_this_build(tmp_path, warehouse):
    project, marts = tmp_path / "dbt", tmp_path / "marts"
    _write(project, _run_results("old", [_result("model.spotify.dim_artist", "success", 1)]))
    with recorded_build(project_dir=project, duckdb_path=warehouse, marts_dir=marts) as found:
        pass  # dbt stopped before writing a new run_results.json
    assert found.rows == []
    assert found.summary({"invocation_id": "x"}) == {"invocation_id": "x", "nodes": []}
    assert not (marts / "dbt_run_results.parquet").exists()


def test_run_dbt_reports_the_invocation_id_dbt_wrote(tmp_path):
    """`dbt build` returns a RunExecutionResult, which has no `metadata`: the id used to be
    always null. It is now the one of the run_results.json of that invocation."""
    from warehouse.dbt_runner import run_dbt

    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: probe\nversion: '1.0'\nconfig-version: 2\nprofile: probe\n"
    )
    (project / "profiles.yml").write_text(
        "probe:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: {tmp_path / 'probe.duckdb'}\n"
    )
    (project / "models" / "one.sql").write_text("select 1 as x")
    runs = [
        run_dbt(["build"], project_dir=project, profiles_dir=project, target_path=tmp_path / "t")
        for _ in range(2)
    ]
    written = json.loads((tmp_path / "t" / "run_results.json").read_text())
    assert runs[0].invocation_id
    assert runs[0].invocation_id != runs[1].invocation_id
    assert runs[1].invocation_id == written["metadata"]["invocation_id"]
    assert runs[1].summary()["invocation_id"] == written["metadata"]["invocation_id"]
