"""dbt-duckdb plugin: DuckDB's memory limit and threads from the profile (DUCKDB_MEMORY_LIMIT,
DUCKDB_THREADS), each applied only when set, so an unset one keeps DuckDB's own default (80%
of the machine's memory; one thread per core), which a profile value cannot express.

They go into the config `duckdb.connect` opens the warehouse with (`update_connection_config`
runs right before it), so they hold for the whole build, every dbt thread's cursor included.
"""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

SETTINGS = ("memory_limit", "threads")


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self.limits = {
            name: str(plugin_config[name]).strip()
            for name in SETTINGS
            if str(plugin_config.get(name) or "").strip()
        }

    def update_connection_config(self, creds: Any, config: dict[str, Any]) -> None:
        config.update(self.limits)
