"""Airflow orchestration: what the DAGs' tasks do, and the local Airflow driver.

Modules are light at import time (the DAG files import `orchestration.assets` while the
dag-processor parses them); anything heavy is imported inside the functions that need it.
"""
