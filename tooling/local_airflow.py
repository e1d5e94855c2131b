"""`airflow standalone` (api-server, scheduler, dag-processor, triggerer; SQLite,
LocalExecutor) for `make run`, `make airflow`, the bench and the end-to-end tests.

    with LocalAirflow(home, port=8080) as airflow:
        run_id = airflow.client.trigger("spotify_ingest", logical_date)
    # every component is stopped here, even on an exception or Ctrl-C

The instance uses this repository's DAGs only (no examples), DAGs unpaused once the api-server
answers, the `duckdb_writer` pool (created on start), PYTHONPATH = the repository root, and
absolute DATA_DIR / DUCKDB_PATH (`tooling.airflow_process.airflow_environment`).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tooling.airflow_process import AirflowProcesses

STANDALONE = "standalone"


class LocalAirflow(AirflowProcesses):
    """`airflow standalone` in its own process group. `output`: a file for its output (None:
    this terminal, as `make airflow` shows it)."""

    def __init__(
        self,
        home: str | os.PathLike,
        port: int | None = 8080,
        *,
        output: str | os.PathLike | None = None,
        **kwargs,
    ) -> None:
        super().__init__(home, port, **kwargs)
        self.output = Path(output) if output else None

    @property
    def process(self) -> subprocess.Popen | None:
        return self.processes.get(STANDALONE)

    def log_of(self, name: str) -> Path:
        return self.output or super().log_of(name)

    def launch(self) -> None:
        self.spawn(STANDALONE, [STANDALONE], output=self.output)
