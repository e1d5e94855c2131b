"""How `make test` spreads the suite over pytest-xdist's workers (`--dist loadgroup`).

Tests that share an expensive fixture (an Airflow, a dbt build, the dashboard's marts) run on
one worker, in one `xdist_group`, so the fixture is made once; every other test goes to
whichever worker is free. A group is one unit of work, held by one worker to its end:
the Airflow and Celery groups mostly wait on schedulers, so the CPU-bound dbt and dashboard
groups run beside them. The longest units are handed out first (`LONGEST_FIRST`, with
`--no-loadscope-reorder`, which keeps this order), so that none starts near the end and keeps
the whole run waiting. Without `-n`, the marks and the order change nothing.
"""

from __future__ import annotations

import pytest
from _pytest.nodeid import NodeId

# Session fixtures that start something big: every test using one shares its group.
SHARED_FIXTURES = {
    "standalone": "airflow-standalone",  # one `airflow standalone` for two e2e modules
    "sandbox_marts": "dashboard-marts",  # the dashboard's extracted, built, exported days
    "development_marts": "dashboard-marts",
}
# Modules whose module-scoped fixtures build warehouses (or a cluster) for all their tests.
SHARED_MODULES = {
    "tests/airflow/test_e2e_celery.py": "celery-cluster",
    "tests/dbt/test_arrival_order.py": "dbt-arrival-order",
    "tests/dbt/test_open_signals_warehouse.py": "dbt-open-signals",
    "tests/ingestion/test_faults.py": "ingestion-faults",
    "tests/airflow/test_dag_integrity.py": "dag-integrity",
}
# A module-scoped fixture built once per parameter: one group per parameter.
PARAMETRIZED_MODULES = {"tests/dbt/test_dbt_project.py": "pipeline"}
# Units (groups, or modules of ungrouped tests) by decreasing duration, as `--durations` shows
# them; everything else follows in collection order.
LONGEST_FIRST = [
    "celery-cluster",
    "dbt-arrival-order",
    "airflow-standalone",
    "dashboard-marts",
    "tests/tooling/test_make_run.py",
    "dbt-project-extended",
    "dbt-project-development",
    "dbt-open-signals",
    "tests/tooling/test_distributed.py",
    "tests/airflow/test_airflow_dags_test.py",
    "tests/dashboard/test_dashboard_during_build.py",
    "tests/dashboard/test_dashboard_export.py",
    "tests/warehouse/test_dbt_runner.py",
    "tests/warehouse/test_run_results.py",
    "ingestion-faults",
    "dag-integrity",
]


def xdist_group_of(item: pytest.Item) -> str | None:
    for fixture, group in SHARED_FIXTURES.items():
        if fixture in item.fixturenames:
            return group
    path = item.nodeid.split("::", 1)[0]
    if path in SHARED_MODULES:
        return SHARED_MODULES[path]
    if path in PARAMETRIZED_MODULES and hasattr(item, "callspec"):
        param = item.callspec.params.get(PARAMETRIZED_MODULES[path])
        return f"dbt-project-{param}" if param else None
    return None


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]):
    # Before every other implementation (xdist reads the marks), the groups as marks.
    for item in items:
        group = xdist_group_of(item)
        if group and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(group))
    result = yield
    if getattr(config.option, "loadgroup", False):  # an xdist worker of `--dist loadgroup`
        for item in items:
            # xdist 3.8 names a test's group after "@" in its node id by setting `_nodeid`,
            # which pytest 9 no longer reads (it keeps the id in `_id`): done here instead.
            mark = item.get_closest_marker("xdist_group")
            if mark and "@" not in item.nodeid:
                item._id = NodeId.parse(f"{item.nodeid}@{mark.args[0]}")
        # After pytest's ordering by fixture: the longest units first.
        items.sort(key=_rank)  # stable: each unit keeps its own order
    return result


def _rank(item: pytest.Item) -> int:
    unit = xdist_group_of(item) or item.nodeid.split("::", 1)[0].split("@", 1)[0]
    return LONGEST_FIRST.index(unit) if unit in LONGEST_FIRST else len(LONGEST_FIRST)
