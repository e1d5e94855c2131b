"""Tooling around the pipeline, never imported by a DAG: the runners (`make run`, `make airflow`,
`make run-distributed`), the Airflow process lifecycle they share, the REST client and the
benches. The DAGs' runtime is the `orchestration` package.
"""
