"""Running a spec's steps on the Redshift target over the fake connection (tests/redshift_fake.py), with the
golden fixtures in a moto S3: what the Redshift tests share."""

from __future__ import annotations

from datetime import datetime

from helpers import ROOT, SPEC, upload
from redshift_fake import FakeRedshift

from warehouse.compile import Project, load_project
from warehouse.interval import Interval
from warehouse.runner import Retry, StepRunner
from warehouse.steps import Options
from warehouse.targets.redshift import CopyAuth, CopySigning, Redshift, RedshiftTarget

DAY = Interval(datetime(2018, 11, 1), datetime(2018, 11, 2))
TABLES = ["users", "songs", "artists", "time", "songplays"]
VARS = {"data_root": "s3://sparkify-raw", "staging_root": "s3://sparkify-staging/runs"}


def raw_data(s3) -> None:
    """The golden fixtures under s3://sparkify-raw, and the staging bucket, both in us-west-2."""
    upload(s3, "sparkify-raw", ROOT / "tests" / "fixtures" / "golden")
    s3.create_bucket(Bucket="sparkify-staging", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})


def redshift_runner(
    s3,
    connection: FakeRedshift,
    project: Project | None = None,
    interval: Interval = DAY,
    signing: CopyAuth | CopySigning | None = None,
    retry: Retry | None = None,
    tables: list[str] | None = None,
) -> StepRunner:
    """A runner of the interval's steps on a Redshift target whose connection is `connection`."""
    engine = Redshift(signing or CopyAuth(), "us-west-2", serverless=connection.serverless)
    target = RedshiftTarget(engine, lambda: connection, "redshift://test")
    options = Options(variables=VARS, s3_client=lambda: s3, tables=tables or TABLES)
    return StepRunner(project or load_project(SPEC), interval, target, options, retry or Retry(sleep=lambda _: None))
