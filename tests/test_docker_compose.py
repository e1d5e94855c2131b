"""Docker does not run on the development machines: check the compose file's structure, and
that it is the distributed setup `make run-distributed` runs and tests (one definition,
orchestration/celery_settings.py), so the two cannot drift."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from orchestration.celery_settings import (
    WORKERS,
    celery_environment,
    worker_environment,
)

ROOT = Path(__file__).resolve().parents[1]
AIRFLOW_SERVICES = [
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
]
WORKER_SERVICES = [w.name for w in WORKERS]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_services_of_the_airflow_3_stack(compose):
    services = compose["services"]
    for name in ["postgres", "redis", "airflow-init", *AIRFLOW_SERVICES, *WORKER_SERVICES]:
        assert name in services, f"docker-compose.yml lacks the {name} service"
        # The distributed setup is the stack: nothing is hidden behind a profile.
        assert "profiles" not in services[name], f"{name} must start without a profile"


def test_airflow_services_build_the_project_image(compose):
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM apache/airflow:3\.3\.\d+-python3\.11$", dockerfile, re.M)
    assert "requirements.txt" in dockerfile
    for name in ["airflow-init", *WORKER_SERVICES, *AIRFLOW_SERVICES]:
        build = compose["services"][name]["build"]
        assert build["dockerfile"] == "Dockerfile"
        assert (ROOT / build["context"] / build["dockerfile"]).is_file()


def test_celery_settings_are_the_launchers(compose):
    """Every Airflow service has exactly the executor settings `make run-distributed` uses
    (celery_settings.celery_environment), with the compose services as database and broker."""
    for name in ["airflow-init", *AIRFLOW_SERVICES, *WORKER_SERVICES]:
        env = compose["services"][name]["environment"]
        database = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        broker = env["AIRFLOW__CELERY__BROKER_URL"]
        assert urlparse(database).hostname == "postgres", name
        assert urlparse(broker).hostname == "redis", name
        expected = celery_environment(database_url=database, broker_url=broker)
        assert {k: env.get(k) for k in expected} == expected, name
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        # No other executor or queue setting that the launcher does not have.
        extra = {
            k
            for k in env
            if k.startswith(("AIRFLOW__CELERY", "AIRFLOW__OPERATORS__")) and k not in expected
        }
        assert not extra, f"{name}: {extra} are not in orchestration/celery_settings.py"


def test_workers_are_the_launchers(compose):
    """One service per worker of celery_settings.WORKERS, with its command (queues,
    concurrency, node name) and its environment; no other service runs a Celery worker."""
    services = compose["services"]
    running_workers = {
        name for name, svc in services.items() if svc.get("command", [])[:2] == ["celery", "worker"]
    }
    assert running_workers == set(WORKER_SERVICES)
    for worker in WORKERS:
        service = services[worker.name]
        assert service["command"] == worker.command()
        env = service["environment"]
        for key, value in worker_environment(worker).items():
            assert env[key] == value
        ping = service["healthcheck"]["test"][-1]
        assert f'-d "{worker.name}@$${{HOSTNAME}}"' in ping
    warehouse = [w for w in WORKERS if "warehouse" in services[w.name]["command"][3]]
    assert len(warehouse) == 1


def test_docker_compose_config_validates():
    """`docker compose config` where the client has the compose plugin (CI images, laptops);
    the development machines have the docker client without it."""
    docker = shutil.which("docker")
    if not docker or subprocess.run([docker, "compose", "version"], capture_output=True).returncode:
        pytest.skip("no `docker compose` plugin on this machine")
    result = subprocess.run(
        [docker, "compose", "-f", str(ROOT / "docker-compose.yml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr


def test_project_folders_are_mounted(compose):
    for name in ["airflow-init", *WORKER_SERVICES, *AIRFLOW_SERVICES]:
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
    for name in [*WORKER_SERVICES, *AIRFLOW_SERVICES]:
        url = urlparse(services[name]["environment"]["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
        assert url.hostname == "airflow-apiserver", name
        assert str(url.port) == api_port, name
        assert url.path.rstrip("/") == "/execution", name


def test_long_running_services_have_healthchecks(compose):
    for name in ["postgres", "redis", *WORKER_SERVICES, *AIRFLOW_SERVICES]:
        check = compose["services"][name].get("healthcheck") or {}
        assert check.get("test"), f"{name} has no healthcheck"


def test_airflow_waits_for_the_migration(compose):
    for name in [*AIRFLOW_SERVICES, *WORKER_SERVICES]:
        depends = compose["services"][name]["depends_on"]
        assert depends["airflow-init"]["condition"] == "service_completed_successfully"
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
