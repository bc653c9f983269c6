"""Redshift through redshift_connector. Staging is a COPY of exactly the interval's S3 objects, named in a
manifest; the keys of the AWS connection, when used instead of a role, are secrets and never logged."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from sqlglot import exp

from warehouse.sources.objects import ObjectStore, SourceObject
from warehouse.spec import JsonSource
from warehouse.sql.stage import CopyAuth, load_errors, manifest, redshift_copy
from warehouse.targets.base import DataError, Reject, Staged, Target, redact_url


class RedshiftTarget(Target):
    dialect = "redshift"
    default_schema = "public"

    def __init__(self, connect: Any, description: str, auth: CopyAuth, region: str | None = None, secrets=()):
        super().__init__(connect, description, (*secrets, *auth.secrets))
        self.auth, self.region = auth, region

    @classmethod
    def from_url(cls, url: str) -> RedshiftTarget:
        """redshift://user:password@host:5439/database[?iam_role=arn:...|default][&region=us-west-2]; without
        iam_role, COPY signs with the AWS credentials of the environment."""
        parts = urlsplit(url)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        password = unquote(parts.password or "")

        def connect() -> Any:
            import redshift_connector

            return redshift_connector.connect(
                host=parts.hostname, port=parts.port or 5439, database=parts.path.lstrip("/") or "dev",
                user=unquote(parts.username or ""), password=password,
            )  # fmt: skip

        auth = CopyAuth(iam_role=query["iam_role"]) if "iam_role" in query else environment_keys()
        return cls(connect, redact_url(url), auth, query.get("region"), (password,))

    def stage_json(
        self,
        table: exp.Table,
        source: JsonSource,
        objects: list[SourceObject],
        store: ObjectStore,
        scratch: Path,
        manifest_url: str | None = None,
        exclude: tuple[Reject, ...] = (),
    ) -> Staged:
        if not objects:
            return Staged()
        local = [o.url for o in objects if not o.url.startswith("s3://")]
        if local:
            raise ValueError(f"Redshift COPY reads S3 only; {local[0]} is not an s3:// object")
        if not (manifest_url or "").startswith("s3://"):
            raise ValueError("Redshift needs the spec's staging_location to be an s3:// prefix (for COPY manifests)")
        store.write(manifest_url, manifest([o.url for o in objects]))
        import redshift_connector

        try:
            self.execute(redshift_copy(table, source, manifest_url, [o.url for o in objects], self.auth, self.region))
        except redshift_connector.Error as error:
            raise DataError(str(error).splitlines()[0]) from error
        rows = int(self.scalar(exp.select(exp.func("pg_last_copy_count"))) or 0)
        rejects = self._load_errors() if source.on_bad_rows == "reject" else []
        return Staged(rows=rows, objects=len(objects), rejects=rejects)

    def diagnose(
        self, source: JsonSource, objects: list[SourceObject], store: ObjectStore, scratch: Path
    ) -> list[Reject]:
        """What Redshift recorded of the COPY that failed (its system tables outlive the rollback)."""
        return self._load_errors()

    def _load_errors(self) -> list[Reject]:
        _, rows = self.fetch(load_errors())
        return [
            Reject(str(file).strip(), int(line), f"{str(col).strip()}: {str(message).strip()}", str(raw or "").strip())
            for file, line, col, message, raw in rows
        ]


def environment_keys() -> CopyAuth:
    """Keys from boto3's credential chain, or the cluster's default role when there are none."""
    import boto3

    credentials = boto3.Session().get_credentials()
    if credentials is None:
        return CopyAuth()
    frozen = credentials.get_frozen_credentials()
    return CopyAuth(None, frozen.access_key, frozen.secret_key, frozen.token)
