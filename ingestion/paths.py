"""Where the pipeline's files live, resolved in one place for every package.

`DATA_DIR` (default `<repository>/data`) and `DUCKDB_PATH` (default
`<DATA_DIR>/warehouse/spotify.duckdb`) are read from the environment; the defaults are the
repository's, whatever the working directory, so `python -m ingestion extract` run from
anywhere writes where the warehouse, the DAGs and the dashboard look. Only string work here: no
file system access (the DAG files resolve their Assets' URIs with it while being parsed).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def data_dir(environ: Mapping[str, str] | None = None) -> str:
    """Absolute DATA_DIR of `environ` (default: this process's environment)."""
    env = os.environ if environ is None else environ
    return os.path.abspath(env.get("DATA_DIR") or os.path.join(REPO_ROOT, "data"))


def duckdb_path(environ: Mapping[str, str] | None = None) -> str:
    """Absolute DUCKDB_PATH of `environ`, else `<DATA_DIR>/warehouse/spotify.duckdb`."""
    env = os.environ if environ is None else environ
    default = os.path.join(data_dir(env), "warehouse", "spotify.duckdb")
    return os.path.abspath(env.get("DUCKDB_PATH") or default)
