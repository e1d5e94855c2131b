"""The DuckDB warehouse: running dbt on it and exporting its marts for the dashboard."""
