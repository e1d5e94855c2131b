# Airflow image with this project's pinned dependencies. Used by docker-compose.yml.
FROM apache/airflow:3.3.2-python3.11

COPY requirements.txt constraints.txt /opt/project/
# The official image already holds Airflow; install the rest of the pins on top of it.
RUN pip install --no-cache-dir -r /opt/project/requirements.txt -c /opt/project/constraints.txt

ENV PYTHONPATH=/opt/project \
    DATA_DIR=/opt/project/data \
    DUCKDB_PATH=/opt/project/data/warehouse/spotify.duckdb \
    DBT_PROFILES_DIR=/opt/project/dbt \
    DO_NOT_TRACK=1
WORKDIR /opt/project
