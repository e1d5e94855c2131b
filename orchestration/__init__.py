"""Airflow orchestration: what the DAGs import (their tasks' functions, Assets, alerts, queues).
The runners, the REST client and the benches are the `tooling` package, which no DAG imports.

Modules are light at import time (the DAG files import `orchestration.assets` while the
dag-processor parses them); anything heavy is imported inside the functions that need it.
"""
