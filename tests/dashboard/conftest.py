"""Fixtures for the dashboard tests: exported marts built once per session, in tmp dirs.

`sandbox_marts` and `development_marts` run the real pipeline on sandbox data (see
dashboard_pipeline.py); `empty_data_dir` has nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dashboard_pipeline import DEVELOPMENT_DAYS, EXTENDED_DAYS, Built, build_pipeline


@pytest.fixture(scope="session")
def sandbox_marts(tmp_path_factory) -> Built:
    return build_pipeline(tmp_path_factory.mktemp("sandbox"), EXTENDED_DAYS, "extended")


@pytest.fixture(scope="session")
def development_marts(tmp_path_factory) -> Built:
    return build_pipeline(tmp_path_factory.mktemp("development"), DEVELOPMENT_DAYS, "development")


@pytest.fixture
def empty_data_dir(tmp_path) -> Path:
    return tmp_path


@pytest.fixture
def read_only_dir(tmp_path):
    """A folder whose writes fail (read-only file system or permission denied)."""
    from tests.read_only import read_only_folder

    with read_only_folder(tmp_path / "read-only") as folder:
        yield folder
