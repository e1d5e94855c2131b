"""warehouse.dbt_runner against a tiny throwaway dbt project (independent of dbt/)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from warehouse.dbt_runner import (
    DbtError,
    DbtRun,
    DbtTestFailure,
    NodeResult,
    format_results,
    raise_for_failures,
    run_dbt,
    sorted_for_report,
)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())


def _project(root: Path, *, failing_test: bool) -> Path:
    project = root / "proj"
    _write(
        project / "dbt_project.yml",
        """
        name: tiny
        version: "1.0"
        profile: tiny
        model-paths: ["models"]
        """,
    )
    _write(
        project / "profiles.yml",
        f"""
        tiny:
          target: dev
          outputs:
            dev:
              type: duckdb
              path: "{root / "tiny.duckdb"}"
              threads: 1
        """,
    )
    _write(
        project / "models" / "numbers.sql",
        "select 1 as id, 'a' as letter union all select 2, 'b' union all select 3, 'c'\n",
    )
    accepted = "['a', 'b']" if failing_test else "['a', 'b', 'c']"
    _write(
        project / "models" / "schema.yml",
        f"""
        version: 2
        models:
          - name: numbers
            columns:
              - name: id
                data_tests: [unique, not_null]
              - name: letter
                data_tests:
                  - accepted_values:
                      arguments:
                        values: {accepted}
        """,
    )
    return project


def _run(tmp_path: Path, *, failing_test: bool) -> DbtRun:
    project = _project(tmp_path, failing_test=failing_test)
    return run_dbt(
        ["build"],
        project_dir=project,
        profiles_dir=project,
        target_path=tmp_path / "target",
    )


def test_a_passing_build_reports_every_node(tmp_path):
    run = _run(tmp_path, failing_test=False)
    assert run.success, format_results(run)
    by_type = {n.resource_type for n in run.nodes}
    assert by_type == {"model", "test"}
    assert len(run.nodes) == 4
    model = next(n for n in run.nodes if n.resource_type == "model")
    assert model.name == "numbers"
    assert model.status == "success"
    assert model.relation
    assert "numbers" in model.relation
    raise_for_failures(run)  # no exception
    summary = run.summary()
    assert summary["status"] == "success"
    assert summary["tests"] == {"pass": 3}
    assert summary["models"] == {"success": 1}
    table = format_results(run)
    print(table)
    assert "numbers" in table
    assert "OK" in table.splitlines()[-1]


def test_a_failing_test_fails_with_its_name_and_comes_first(tmp_path):
    run = _run(tmp_path, failing_test=True)
    assert not run.success
    [failed] = run.failed_tests
    assert failed.name.startswith("accepted_values_numbers_letter")
    assert failed.failures == 1
    table = format_results(run)
    print(table)
    first_row = table.splitlines()[2]
    assert first_row.startswith("FAIL")
    assert failed.name in first_row
    with pytest.raises(DbtTestFailure) as info:
        raise_for_failures(run)
    assert failed.name in str(info.value)
    assert info.value.tests == [failed.name]


def test_a_broken_project_raises_a_dbt_error(tmp_path):
    project = _project(tmp_path, failing_test=False)
    (project / "models" / "broken.sql").write_text("select * from no_such_table\n")
    run = run_dbt(["build"], project_dir=project, profiles_dir=project, target_path=tmp_path / "t")
    assert not run.success
    with pytest.raises(DbtError) as info:
        raise_for_failures(run)
    assert not isinstance(info.value, DbtTestFailure)
    assert "broken" in str(info.value)


def test_report_order_puts_failures_first_then_keeps_execution_order():
    def node(name, status, kind="model"):
        return NodeResult(name, name, kind, status, 0.1)

    nodes = [node("a", "success"), node("b", "warn", "test"), node("c", "fail", "test")]
    nodes += [node("d", "error"), node("e", "pass", "test"), node("f", "skipped")]
    assert [n.name for n in sorted_for_report(nodes)] == ["d", "c", "b", "f", "a", "e"]


def test_a_parsed_manifest_is_reused_by_the_next_commands(tmp_path):
    """`parse` returns the project's manifest; a build given it runs every node without parsing
    the project again (a model added after the parse is not seen: the manifest is reused)."""
    project = _project(tmp_path, failing_test=False)
    kwargs = {"project_dir": project, "profiles_dir": project, "target_path": tmp_path / "t"}
    parsed = run_dbt(["parse"], **kwargs)
    assert parsed.success
    assert parsed.manifest is not None
    (project / "models" / "added_after_parse.sql").write_text("select 1 as id\n")
    built = run_dbt(["build"], manifest=parsed.manifest, **kwargs)
    assert built.success, format_results(built)
    assert {n.name for n in built.nodes if n.resource_type == "model"} == {"numbers"}
    assert len(built.nodes) == 4
    assert built.manifest is parsed.manifest
