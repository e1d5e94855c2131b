"""dbt-duckdb plugin: create the DuckDB file's parent folder before dbt connects.

DuckDB refuses to open `data/warehouse/spotify.duckdb` when `data/warehouse/` does not exist,
and dbt opens the connection before any hook could create it, so the profile loads this plugin:
dbt-duckdb calls `update_connection_config` right before `duckdb.connect(path)`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin


class Plugin(BasePlugin):
    def update_connection_config(self, creds: Any, config: dict[str, Any]) -> None:
        path = str(creds.path or "")
        if path and path != ":memory:" and not path.startswith(("md:", "motherduck:")):
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
