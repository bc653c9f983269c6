import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from warehouse.targets import open_target
from warehouse.targets.base import Target

ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tiers: tests under tests/airflow are `airflow`; tests that use the PostgreSQL server (its fixtures, or a
    target parameter "postgres") are `postgres`."""
    for item in items:
        if "tests/airflow/" in str(item.path):
            item.add_marker(pytest.mark.airflow)
        params = getattr(getattr(item, "callspec", None), "params", {})
        if {"pg_server", "pg_database"} & set(getattr(item, "fixturenames", ())) or "postgres" in params.values():
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Spec checks are cached by content; keep the cache out of the user's home."""
    os.environ["WAREHOUSE_CACHE_DIR"] = str(tmp_path_factory.mktemp("spec-cache"))


@pytest.fixture(autouse=True)
def _isolated_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Failures the ledger could not take are kept under WAREHOUSE_STATE_DIR: one folder per test."""
    monkeypatch.setenv("WAREHOUSE_STATE_DIR", str(tmp_path / "state"))


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """Four days of generated data (the third is missing), its app database, and the facts the generator knows."""
    from warehouse.sample import write_app_db, write_sample

    out = tmp_path_factory.mktemp("sample")
    facts = write_sample(out, days=4, events_per_day=400, songs=60, seed=11)
    facts |= write_app_db(out / "app.duckdb", facts, seed=11)
    return out, facts


@pytest.fixture
def data(sample: tuple[Path, dict], tmp_path: Path) -> Path:
    """A copy of the sample, for a test to break."""
    copy = tmp_path / "data"
    shutil.copytree(sample[0], copy)
    return copy


PG_SERVER = os.environ.get("WAREHOUSE_TEST_PG", "postgresql://postgres@127.0.0.1:5432")


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The PostgreSQL server of this machine; its tests fail (never skip) in CI when it is down."""
    import psycopg

    try:
        psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3).close()
    except psycopg.OperationalError as error:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"no PostgreSQL at {PG_SERVER}: {error}")
    return PG_SERVER


@pytest.fixture
def pg_database(pg_server: str):
    """A new, empty database on the server (dropped afterwards); yields its URL."""
    import uuid

    import psycopg

    name = f"warehouse_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{pg_server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{pg_server}/{name}"
    finally:
        with psycopg.connect(f"{pg_server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch):
    """An in-process S3 (moto) with test credentials; yields a boto3 client."""
    import boto3
    from moto import mock_aws

    for name, value in {"AWS_ACCESS_KEY_ID": "AKIATESTKEY", "AWS_SECRET_ACCESS_KEY": "test-secret-key-123",
                        "AWS_DEFAULT_REGION": "us-west-2"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield boto3.client("s3", region_name="us-west-2")


@pytest.fixture(params=["duckdb", "postgres"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    """An open target, once a new DuckDB file and once a new PostgreSQL database."""
    duck = f"duckdb:///{tmp_path / 'w.duckdb'}"
    with open_target(duck if request.param == "duckdb" else request.getfixturevalue("pg_database")) as target:
        yield target
