"""Docker does not run on the development machines, so check the compose file's structure."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
AIRFLOW_SERVICES = [
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_services_of_the_airflow_3_stack(compose):
    services = compose["services"]
    for name in ["postgres", "airflow-init", *AIRFLOW_SERVICES]:
        assert name in services, f"docker-compose.yml lacks the {name} service"
    # Celery scale-out is opt-in through a profile.
    assert services["redis"]["profiles"] == ["celery"]
    assert services["airflow-worker"]["profiles"] == ["celery"]
    assert services["airflow-worker"]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    for name in ["postgres", "airflow-init", *AIRFLOW_SERVICES]:
        assert "profiles" not in services[name], f"{name} must start without a profile"


def test_airflow_services_build_the_project_image(compose):
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM apache/airflow:3\.3\.\d+-python3\.11$", dockerfile, re.M)
    assert "requirements.txt" in dockerfile
    for name in ["airflow-init", "airflow-worker", *AIRFLOW_SERVICES]:
        build = compose["services"][name]["build"]
        assert build["dockerfile"] == "Dockerfile"
        assert (ROOT / build["context"] / build["dockerfile"]).is_file()


def test_local_executor_on_postgres_by_default(compose):
    env = compose["services"]["airflow-scheduler"]["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"].endswith("LocalExecutor}")
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql")
    assert "@postgres/" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]


def test_project_folders_are_mounted(compose):
    for name in ["airflow-init", "airflow-worker", *AIRFLOW_SERVICES]:
        mounts = {v.split(":")[0] for v in compose["services"][name]["volumes"]}
        # Everything the DAGs import at run time, and the data they write.
        assert {
            "./dags",
            "./dbt",
            "./ingestion",
            "./orchestration",
            "./warehouse",
            "./data",
        } <= mounts, name
        for mount in mounts:
            assert (ROOT / mount).is_dir(), f"{mount} is mounted but does not exist"


def test_execution_api_url_points_at_the_api_server(compose):
    services = compose["services"]
    api_port = services["airflow-apiserver"]["ports"][0].rsplit(":", 1)[1]
    for name in ["airflow-worker", *AIRFLOW_SERVICES]:
        url = urlparse(services[name]["environment"]["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
        assert url.hostname == "airflow-apiserver", name
        assert str(url.port) == api_port, name
        assert url.path.rstrip("/") == "/execution", name


def test_long_running_services_have_healthchecks(compose):
    for name in ["postgres", "redis", "airflow-worker", *AIRFLOW_SERVICES]:
        check = compose["services"][name].get("healthcheck") or {}
        assert check.get("test"), f"{name} has no healthcheck"


def test_airflow_waits_for_the_migration(compose):
    for name in AIRFLOW_SERVICES:
        depends = compose["services"][name]["depends_on"]
        assert depends["airflow-init"]["condition"] == "service_completed_successfully"
        assert depends["postgres"]["condition"] == "service_healthy"
