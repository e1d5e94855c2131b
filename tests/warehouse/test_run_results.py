"""The per-node dbt results: the `dbt_run_results` history, its Parquet export, the event's
nodes, and the one reading of a dbt run whether dbt ran here or wrote run_results.json."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import duckdb
import pyarrow.parquet as pq
import pytest
from airflow.sdk.exceptions import AirflowFailException

from orchestration import transform
from warehouse.dbt_runner import DbtRun, NodeResult, run_dbt
from warehouse.run_results import event_nodes, record


def _utc(*args) -> datetime:
    """A naive UTC datetime, as dbt keeps them."""
    return datetime(*args, tzinfo=UTC).replace(tzinfo=None)


STARTED, COMPLETED = _utc(2026, 11, 26, 10, 0, 1), _utc(2026, 11, 26, 10, 0, 2, 500000)
FINISHED = _utc(2026, 11, 26, 10, 0, 5)


def _node(unique_id, status, seconds, *, relation=None, failures=None, message=None):
    kind, _, name = unique_id.split(".")[:3]
    return NodeResult(
        unique_id, name, kind, status, seconds, None, failures, message, relation,
        STARTED, COMPLETED,
    )  # fmt: skip


def _run(invocation_id, nodes, finished_at=FINISHED):
    success = not any(n.failed for n in nodes)
    return DbtRun(["build"], success, nodes, 5.0, None, invocation_id, finished_at=finished_at)


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create table main.dim_artist as select range as id from range(7)")
    return path


def test_a_build_is_appended_one_row_per_node_and_exported(tmp_path, warehouse):
    marts = tmp_path / "marts"
    build_one = _run(
        "inv-1",
        [
            _node("operation.spotify.spotify-on-run-start-0", "success", 0.01),
            _node(
                "model.spotify.dim_artist", "success", 1.23456, relation='"w"."main"."dim_artist"'
            ),
            _node("test.spotify.not_null_dim_artist_id.1a2b3c", "pass", 0.2, failures=0),
            _node(
                "test.spotify.unique_dim_artist_id.4d5e6f",
                "fail",
                0.3,
                failures=2,
                message="Got 2 results, configured to fail if != 0",
            ),
            _node("model.spotify.top_artists", "skipped", 0.0, relation='"w"."main"."nope"'),
        ],
    )
    rows = record(build_one, duckdb_path=warehouse, marts_dir=marts)

    with duckdb.connect(str(warehouse), read_only=True) as con:
        table = con.execute(
            "select invocation_id, command, unique_id, name, resource_type, status, "
            "rows_affected, relation_rows, execution_seconds, failures, message, "
            "cast(started_at as varchar), cast(completed_at as varchar), "
            "cast(generated_at as varchar) from main.dbt_run_results order by unique_id"
        ).fetchall()
    times = ("2026-11-26 10:00:01", "2026-11-26 10:00:02.5", "2026-11-26 10:00:05")
    assert table == [
        ("inv-1", "build", "model.spotify.dim_artist", "dim_artist", "model", "success",
         None, 7, 1.235, None, None, *times),
        ("inv-1", "build", "model.spotify.top_artists", "top_artists", "model", "skipped",
         None, None, 0.0, None, None, *times),
        ("inv-1", "build", "test.spotify.not_null_dim_artist_id.1a2b3c",
         "not_null_dim_artist_id", "test", "pass", None, None, 0.2, 0, None, *times),
        ("inv-1", "build", "test.spotify.unique_dim_artist_id.4d5e6f", "unique_dim_artist_id",
         "test", "fail", None, None, 0.3, 2, "Got 2 results, configured to fail if != 0",
         *times),
    ]  # fmt: skip

    # The event's nodes: each node's result, rows counted in the warehouse after the build.
    nodes = event_nodes(rows)
    assert nodes[0] == {
        "node": "model.spotify.dim_artist",
        "type": "model",
        "status": "success",
        "rows": 7,
        "seconds": 1.235,
    }
    assert nodes[1]["failures"] == 0
    assert nodes[2] == {
        "node": "test.spotify.unique_dim_artist_id.4d5e6f",
        "type": "test",
        "status": "fail",
        "rows": None,
        "seconds": 0.3,
        "failures": 2,
    }

    # A second build appends; recording the same invocation again replaces its rows.
    build_two = _run(
        "inv-2",
        [_node("model.spotify.dim_artist", "success", 0.5, relation='"w"."main"."dim_artist"')],
        finished_at=_utc(2026, 11, 27, 10, 0, 5),
    )
    for run in (build_two, build_two):
        record(run, duckdb_path=warehouse, marts_dir=marts)
    exported = pq.read_table(marts / "dbt_run_results.parquet").to_pylist()
    assert [(r["invocation_id"], r["name"]) for r in exported] == [
        ("inv-1", "dim_artist"),
        ("inv-1", "top_artists"),
        ("inv-1", "not_null_dim_artist_id"),
        ("inv-1", "unique_dim_artist_id"),
        ("inv-2", "dim_artist"),
    ]


def test_a_failing_build_is_recorded_and_still_fails_the_task(tmp_path, warehouse, monkeypatch):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DUCKDB_PATH", str(warehouse))
    failed = _run(
        "inv-f",
        [_node("test.spotify.unique_dim_artist_id.4d5e6f", "fail", 0.1, failures=3, message="x")],
    )
    monkeypatch.setattr(transform, "_dbt", lambda command, manifest=None: failed)
    with pytest.raises(AirflowFailException, match="unique_dim_artist_id"):
        transform.build()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select status, failures from main.dbt_run_results").fetchall() == [
            ("fail", 3)
        ]
    assert (tmp_path / "marts" / "dbt_run_results.parquet").is_file()


def test_nothing_to_record_or_no_warehouse_records_nothing(tmp_path, warehouse, caplog):
    marts = tmp_path / "marts"
    # dbt stopped before running any node (e.g. the DuckDB file was locked).
    assert record(_run("inv-0", []), duckdb_path=warehouse, marts_dir=marts) == []
    # The warehouse cannot be opened: logged, and the build's own outcome stands.
    run = _run("inv-1", [_node("model.spotify.dim_artist", "success", 1.0)])
    missing = tmp_path / "no" / "such" / "folder" / "w.duckdb"
    assert record(run, duckdb_path=missing, marts_dir=marts) == []
    assert "could not record the build's results" in caplog.text
    assert not marts.exists()


def test_a_run_read_back_from_run_results_json_is_the_run_dbt_returned(tmp_path):
    """One reading of a dbt run: what `run_dbt` returns in this process and what
    `DbtRun.from_run_results` reads back from the run_results.json it wrote agree, invocation
    id included (a build's result object has no `metadata`: the id used to be always null)."""
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
    (project / "models" / "schema.yml").write_text(
        "version: 2\nmodels:\n  - name: one\n    columns:\n      - name: x\n"
        "        data_tests: [not_null]\n"
    )
    runs = [
        run_dbt(["build"], project_dir=project, profiles_dir=project, target_path=tmp_path / "t")
        for _ in range(2)
    ]
    written = json.loads((tmp_path / "t" / "run_results.json").read_text())
    assert runs[0].invocation_id
    assert runs[0].invocation_id != runs[1].invocation_id
    assert runs[1].invocation_id == written["metadata"]["invocation_id"]

    read_back = DbtRun.from_run_results(tmp_path / "t" / "run_results.json")
    assert read_back.invocation_id == runs[1].invocation_id
    assert [dataclasses.asdict(n) for n in read_back.nodes] == [
        dataclasses.asdict(n) for n in runs[1].nodes
    ]
    assert {n.resource_type for n in read_back.nodes} == {"model", "test"}
    assert all(n.started_at <= n.completed_at for n in read_back.nodes)
    summary, expected = read_back.summary(), runs[1].summary()
    assert summary["tests"] == expected["tests"] == {"pass": 1}
    assert summary["models"] == expected["models"] == {"success": 1}
    assert abs((read_back.finished_at - runs[1].finished_at).total_seconds()) < 60
