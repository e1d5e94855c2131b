"""`dbt build` in-process (dbtRunner) that publishes a day the moment stg_spotify__raw_files
starts executing: after its files were listed and looked at (compile time), before its SQL
runs. Run as a script by tests/dbt/test_arrival_order.py, as dbt_harness.Warehouse runs dbt.

usage: build_while_publishing.py SOURCE_DIR DATA_DIR DAY DBT_ARGS... (e.g. build --project-dir ...)
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from dbt.cli.main import dbtRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository's packages
from dbt_harness import publish_copy

CHECK_MODEL = "model.spotify.stg_spotify__raw_files"


def main() -> int:
    source, data_dir, day, *dbt_args = sys.argv[1:]
    published = []

    def publish_when_checking(event) -> None:
        if (
            event.info.name == "NodeExecuting"
            and event.data.node_info.unique_id == CHECK_MODEL
            and not published
        ):
            publish_copy(Path(source), Path(data_dir), date.fromisoformat(day))
            published.append(day)

    result = dbtRunner(callbacks=[publish_when_checking]).invoke(dbt_args)
    if not published:
        print(f"{CHECK_MODEL} never started executing", file=sys.stderr)
        return 3
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
