"""S3 sources through boto3 (moto): the same load as from a local directory, in process and from a subprocess."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from helpers import ROOT, SPEC, count, load, snapshot, upload

from warehouse.compile import compile_spec
from warehouse.interval import parse_moment
from warehouse.runner import run
from warehouse.sources.objects import S3Store
from warehouse.spec import load_spec
from warehouse.steps import Options
from warehouse.targets import open_source
from warehouse.targets.duckdb import DuckDBTarget

pytestmark = pytest.mark.slow  # subprocesses and whole loads: `make test`, not `make test-fast`


def test_listing_and_reading_objects(s3) -> None:
    upload(s3, "raw", ROOT / "tests" / "fixtures" / "golden")
    store = S3Store(s3)
    listed = store.list("s3://raw/song_data/")
    assert [o.url for o in listed] == ["s3://raw/song_data/A/A/A/TRAAAAW128F429D538.json"]
    assert store.stat("s3://raw/log_data/2018/11/2018-11-02-events.json") is None
    assert store.stat(listed[0].url) == listed[0]
    store.write("s3://raw/x/y.txt", b"hello")
    assert [o.url for o in store.list("s3://raw/x/")] == ["s3://raw/x/y.txt"]
    store.delete("s3://raw/x/y.txt")
    assert store.list("s3://raw/x/") == []


def test_a_load_from_s3_equals_the_load_from_the_same_files_on_disk(sample, s3, tmp_path: Path) -> None:
    data, facts = sample
    upload(s3, "sparkify-raw", data)
    spec = load_spec(SPEC)
    with DuckDBTarget(str(tmp_path / "local.duckdb")) as local:
        load(spec, local, "2018-11-01", "2018-11-05", data)
        expected = snapshot(local, spec)
    options = Options(
        variables={"data_root": "s3://sparkify-raw", "staging_root": "s3://sparkify-raw/_staging"},
        connect=lambda _: open_source(f"duckdb:///{data}/app.duckdb"),
        s3_client=lambda: s3,
    )
    with DuckDBTarget(str(tmp_path / "s3.duckdb")) as remote:
        run(compile_spec(spec), parse_moment("2018-11-01"), parse_moment("2018-11-05"), remote, options)
        assert snapshot(remote, spec) == expected
    extracts = S3Store(s3).list("s3://sparkify-raw/_staging/sparkify/extracts/accounts/")
    assert len(extracts) == len(facts["accounts_by_updated_day"])  # one part per day with changed accounts


@pytest.fixture
def moto_server():
    """S3 on loopback, for a process of its own (the CLI)."""
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def test_the_cli_loads_from_s3_with_the_endpoint_from_the_environment(sample, moto_server, tmp_path: Path) -> None:
    data, facts = sample
    env = {**os.environ, "AWS_ENDPOINT_URL": moto_server, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_DEFAULT_REGION": "us-east-1", "AIRFLOW_CONN_APP_DB": f"duckdb:///{data}/app.duckdb"}  # fmt: skip
    client = boto3.client("s3", endpoint_url=moto_server, aws_access_key_id="test", aws_secret_access_key="test",
                          region_name="us-east-1")  # fmt: skip
    client.create_bucket(Bucket="raw")
    upload(client, "raw", data)
    db = tmp_path / "cli.duckdb"
    done = subprocess.run(
        [sys.executable, "-m", "warehouse.cli", "run", "--spec", str(SPEC), "--start", "2018-11-01",
         "--end", "2018-11-03", "--target", f"duckdb:///{db}", "--var", "data_root=s3://raw",
         "--var", "staging_root=s3://raw/_staging"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with DuckDBTarget(str(db)) as target:
        plays = count(target, "SELECT COUNT(*) FROM songplays")
    assert plays == facts["next_song_by_day"]["2018-11-01"] + facts["next_song_by_day"]["2018-11-02"]
