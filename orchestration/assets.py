"""The pipeline's Airflow Assets, shared by both DAGs, the `make run` driver and the tests.

Asset URIs are `file://` URIs of where the data really is: `<DATA_DIR>/raw/<entity>` (the folder
of one CSV per snapshot date) and `<DATA_DIR>/marts/<model>.parquet`. They are computed when a
DAG file is parsed, so this module only reads the environment and does string work: no file
system access, no network, no Airflow connection or Variable. `DATA_DIR` must therefore be the
same (and should be absolute) for the dag-processor, the scheduler and the workers; `make run`,
`make airflow` and docker-compose all set it. Unset, it defaults to `<repository>/data`
(`ingestion.paths`). Asset names (`raw_artists`, `mart_fact_track_popularity`, ...) are stable
whatever DATA_DIR is.

The pipeline's names are defined here once: the DAG ids, the schedule's hour, the pool, the
Spotify connection.
"""

from __future__ import annotations

from pathlib import PurePath

from airflow.sdk import Asset

from ingestion.paths import data_dir
from ingestion.raw_writer import RAW_ENTITIES
from ingestion.settings import OPEN_SIGNAL_SOURCES
from warehouse.models import MART_MODELS

INGEST_DAG_ID = "spotify_ingest"
DBT_DAG_ID = "spotify_dbt"
SCHEDULE_HOUR = 6  # spotify_ingest's daily tick, 06:00 UTC
PUBLISHED_DAYS_ASSET = "raw_published_days"  # one event per complete day; schedules spotify_dbt
DUCKDB_POOL = "duckdb_writer"
SPOTIFY_CONN_ID = "spotify_default"
LASTFM_CONN_ID = "lastfm_default"


def raw_asset(entity: str) -> Asset:
    if entity not in RAW_ENTITIES:
        raise ValueError(f"unknown raw entity {entity!r}: one of {', '.join(RAW_ENTITIES)}")
    return Asset(
        uri=PurePath(data_dir(), "raw", entity).as_uri(),
        name=f"raw_{entity}",
        group="spotify_raw",
    )


def open_signal_asset(source: str) -> Asset:
    """An open-signal source's published days (`<DATA_DIR>/raw/runs/<source>/<date>.json`):
    one event per source day published."""
    if source not in OPEN_SIGNAL_SOURCES:
        raise ValueError(f"unknown source {source!r}: one of {', '.join(OPEN_SIGNAL_SOURCES)}")
    return Asset(
        uri=PurePath(data_dir(), "raw", "runs", source).as_uri(),
        name=f"raw_{source}",
        group="open_signals_raw",
    )


def published_days_asset() -> Asset:
    """One event per complete day: Spotify's day is published (its run summary,
    `<DATA_DIR>/raw/runs/<date>.json`, lists its files) and each open-signal source's day is
    published too, or failed, or is off: what `spotify_dbt` waits for."""
    return Asset(
        uri=PurePath(data_dir(), "raw", "runs").as_uri(),
        name=PUBLISHED_DAYS_ASSET,
        group="spotify_raw",
    )


def mart_asset(model: str) -> Asset:
    if model not in MART_MODELS:
        raise ValueError(f"unknown mart {model!r}: one of {', '.join(MART_MODELS)}")
    return Asset(
        uri=PurePath(data_dir(), "marts", f"{model}.parquet").as_uri(),
        name=f"mart_{model}",
        group="spotify_marts",
    )
