"""The promises of the repository's layout: pinned environment, ignored generated files."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _requirements() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep, f"requirements.txt: {line!r} is not pinned with =="
            pins[name.lower()] = version
    return pins


def test_direct_dependencies_are_pinned_to_the_supported_lines():
    pins = _requirements()
    assert pins["apache-airflow"].startswith("3.3.")
    # Apache's REST client is versioned with Airflow: the same version, or calls drift.
    assert pins["apache-airflow-client"] == pins["apache-airflow"]
    # dbt-core 1.12 downloads a binary at install time and fails offline.
    assert pins["dbt-core"].startswith("1.11.")
    assert pins["dbt-duckdb"].startswith("1.11.")
    assert pins["spotipy"].startswith("2.26.")
    for name in ["duckdb", "pandas", "pytest", "ruff"]:
        assert name in pins


def test_constraints_agree_with_requirements():
    frozen = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            frozen[name.lower().replace("_", "-")] = version.strip()
    for name, version in _requirements().items():
        assert frozen.get(name.replace("_", "-")) == version, f"{name} differs in constraints.txt"


def test_generated_files_are_ignored():
    generated = [
        ".venv",  # a folder or, in a git worktree, a symbolic link
        ".airflow/airflow.cfg",
        "dbt/target/manifest.json",
        "dbt/logs/dbt.log",
        "data/raw/artists/2026-01-01.csv",
        "data/warehouse/spotify.duckdb",
        "elsewhere.duckdb",
        ".env",
        ".cache",
        ".cache-someone",
    ]
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", *generated],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    ignored = set(result.stdout.split())
    assert ignored == set(generated)
    kept = subprocess.run(
        ["git", "check-ignore", "--no-index", "data/.gitkeep", ".env.example"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert kept.stdout == ""


def test_env_example_lists_every_variable_the_code_reads():
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    read = set()
    for path in [*ROOT.glob("ingestion/**/*.py"), *ROOT.glob("dags/**/*.py")]:
        read |= set(re.findall(r"\bSPOTIFY_[A-Z0-9_]+\b", path.read_text()))
    read |= set(re.findall(r"env_var\('([A-Z_]+)'", _dbt_text()))
    missing = {name for name in read if name not in documented}
    assert not missing, f".env.example does not list {sorted(missing)}"
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.startswith(("SPOTIFY_CLIENT_ID=", "SPOTIFY_CLIENT_SECRET=")):
            assert line.endswith("="), ".env.example must not hold a real credential"


def _dbt_text() -> str:
    return "".join(p.read_text() for p in ROOT.glob("dbt/**/*.yml") if "target" not in p.parts)


def _tracked_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    return [name for name in listed.stdout.decode().split("\0") if (ROOT / name).is_file()]


def test_no_code_or_test_reaches_outside_the_repository_for_reference_material():
    # Spelled in pieces, so that this file does not match its own pattern.
    shared = "shared"
    pattern = re.compile(rf"\.\./{shared}|{shared}/spotify-web-api|SPOTIFY_REFERENCE_{'DIR'}")
    offenders = [
        name
        for name in _tracked_files()
        if not name.endswith(".md") and pattern.search((ROOT / name).read_text(errors="ignore"))
    ]
    assert offenders == []


def test_the_reference_checks_pass_in_a_copy_with_nothing_beside_it(tmp_path):
    """The repository's files alone, in a folder with no `shared/` beside it (as a clone from
    the project's public home): the tests that read the Spotify contract still run."""
    lonely = tmp_path / "lonely" / "p"
    for name in _tracked_files():
        target = lonely / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    assert not (lonely.parent / "shared").exists()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/sandbox/test_sandbox_reference_shapes.py",
            "tests/sandbox/test_sandbox_endpoints.py",
        ],
        cwd=lonely,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
    assert " skipped" not in result.stdout


def test_make_test_fails_when_pytest_collects_nothing():
    """pytest exits 5 when it collects no test; a suite that ran nothing must not pass CI."""
    result = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "pytest",
            # One process collecting one file: the recipe's handling of exit 5 is what is tested.
            "PYTEST_WORKERS=0",
            "PYTEST_ARGS=-k no_test_is_named_like_this tests/test_repository_layout.py",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode != 0
    assert "pytest collected no tests" in result.stderr
