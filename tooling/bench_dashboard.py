"""The dashboard's queries for `make bench`: each page's, timed without Streamlit.

Each page of `dashboard/views/` is rendered once with Streamlit's AppTest (default filters: every
artist, every date) over an export, with Streamlit's query cache emptied first, and the queries
it sends to `dashboard.data.query` (the one function through which pages read the marts) are
recorded: the sidebar's and the page's own, what a user's first view of the page costs. They
are then run again outside Streamlit, `repeats` times each, through the same
`dashboard.data.query` (an in-memory DuckDB over the Parquet files, as the dashboard does).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingestion import paths

APP = Path(paths.REPO_ROOT) / "dashboard" / "app.py"
PAGES = sorted(p.relative_to(APP.parent).as_posix() for p in (APP.parent / "views").glob("*.py"))


@dataclass
class PageTimes:
    page: str
    queries: int
    totals: list[float]  # the page's queries, all of them, per repetition
    slowest: float  # the slowest single query (its median)
    error: str | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.totals) if self.totals else 0.0

    @property
    def worst(self) -> float:
        return max(self.totals, default=0.0)


@contextmanager
def _data_dir(data_dir: Path):
    before = os.environ.get("DATA_DIR")
    os.environ["DATA_DIR"] = str(data_dir)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("DATA_DIR", None)
        else:
            os.environ["DATA_DIR"] = before


def page_queries(data_dir: Path) -> dict[str, tuple[list[tuple[str, tuple]], str | None]]:
    """{page: ([(sql, params) it sent], an exception it showed or None)}."""
    import streamlit as st
    from streamlit import logger
    from streamlit.testing.v1 import AppTest

    from dashboard import data

    logger.set_log_level("error")  # bare mode warns on every run that it is bare mode

    sent: list[tuple[str, tuple]] = []
    query = data.query

    def recording(marts: Any, sql: str, params: Sequence[Any] = ()) -> Any:
        sent.append((sql, tuple(params)))
        return query(marts, sql, params)

    found = {}
    data.query = recording
    try:
        with _data_dir(data_dir):
            for page in PAGES:
                at = AppTest.from_file(str(APP), default_timeout=600)
                at.run()
                st.cache_data.clear()
                sent.clear()
                at.switch_page(page).run()
                error = "; ".join(e.message for e in at.exception) or None
                found[page] = (list(sent), error)
    finally:
        data.query = query
    return found


def time_pages(data_dir: Path, repeats: int = 5) -> list[PageTimes]:
    from dashboard import data

    with _data_dir(data_dir):
        marts = data.discover()
    results = []
    for page, (queries, error) in page_queries(data_dir).items():
        per_query: list[list[float]] = [[] for _ in queries]
        for _ in range(repeats):
            for i, (sql, params) in enumerate(queries):
                started = time.perf_counter()
                data.query(marts, sql, params)
                per_query[i].append(time.perf_counter() - started)
        totals = [sum(times[r] for times in per_query) for r in range(repeats)] if queries else []
        slowest = max((statistics.median(t) for t in per_query), default=0.0)
        results.append(PageTimes(page, len(queries), totals, slowest, error))
    return results
