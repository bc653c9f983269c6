"""Objects under a location: `s3://bucket/key` through boto3, or a local path with the same layout."""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True, order=True)
class SourceObject:
    """One object: its URL, size, and a version that changes when its content does. In S3 that is the ETag (the
    MD5 of the content for an object uploaded in one part); locally, a listed file's MD5 (prefix sources record
    it and compare contents; a file is hashed again only when its size or modification time changed), or a
    file's modification time and size when it is looked up by name (a day's log: large, and never compared)."""

    url: str
    size: int
    version: str


class ObjectStore(Protocol):
    def stat(self, url: str) -> SourceObject | None: ...

    def list(self, prefix: str) -> list[SourceObject]: ...

    def local_paths(self, objects: list[SourceObject], scratch: Path, download: bool = True) -> list[Path]:
        """Where local copies of the objects are (downloaded into `scratch` if they are remote and `download`)."""
        ...

    def write(self, url: str, data: bytes) -> None: ...

    def delete(self, url: str) -> None: ...


class LocalStore:
    """Files on this machine; URLs are paths (relative to the working directory, or absolute)."""

    def stat(self, url: str) -> SourceObject | None:
        path = Path(url)
        if not path.is_file():
            return None
        info = path.stat()
        return SourceObject(str(path), info.st_size, f"{info.st_mtime_ns}-{info.st_size}")

    def list(self, prefix: str) -> list[SourceObject]:
        """Files under a directory (recursively, hidden ones aside), or whose path starts with `prefix`."""
        if os.path.isdir(prefix):
            return sorted(self._walk(prefix))
        parent, stem = os.path.split(prefix)
        if not os.path.isdir(parent or "."):
            return []
        return sorted(
            obj
            for entry in os.scandir(parent or ".")
            if entry.name.startswith(stem) and entry.is_file()
            for obj in [self._object(entry)]
        )

    def _walk(self, folder: str) -> list[SourceObject]:
        found = []
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir():
                    found += self._walk(entry.path)
                elif entry.is_file():
                    found.append(self._object(entry))
        return found

    @staticmethod
    def _object(entry: os.DirEntry) -> SourceObject:
        info = entry.stat()
        return SourceObject(entry.path, info.st_size, _md5(entry.path, info.st_size, info.st_mtime_ns))

    def local_paths(self, objects: list[SourceObject], scratch: Path, download: bool = True) -> list[Path]:
        return [Path(o.url) for o in objects]

    def write(self, url: str, data: bytes) -> None:
        path = Path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        partial.write_bytes(data)
        os.replace(partial, path)

    def delete(self, url: str) -> None:
        Path(url).unlink(missing_ok=True)


class S3Store:
    """Objects in S3 (or anything speaking its API); the client comes from boto3 or Airflow's S3Hook."""

    def __init__(self, client: Any):
        self.client = client

    def stat(self, url: str) -> SourceObject | None:
        bucket, key = split_s3_url(url)
        try:
            head = self.client.head_object(Bucket=bucket, Key=key)
        except self.client.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return SourceObject(url, head["ContentLength"], head["ETag"].strip('"'))

    def list(self, prefix: str) -> list[SourceObject]:
        bucket, key = split_s3_url(prefix)
        found = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key):
            for item in page.get("Contents", []):
                if not item["Key"].endswith("/"):
                    url = f"s3://{bucket}/{item['Key']}"
                    found.append(SourceObject(url, item["Size"], item["ETag"].strip('"')))
        return sorted(found)

    def local_paths(self, objects: list[SourceObject], scratch: Path, download: bool = True) -> list[Path]:
        paths = []
        for i, obj in enumerate(objects):
            bucket, key = split_s3_url(obj.url)
            path = scratch / f"{i:06d}-{Path(key).name}"
            if download:
                scratch.mkdir(parents=True, exist_ok=True)
                self.client.download_file(bucket, key, str(path))
            paths.append(path)
        return paths

    def write(self, url: str, data: bytes) -> None:
        bucket, key = split_s3_url(url)
        self.client.put_object(Bucket=bucket, Key=key, Body=data)

    def delete(self, url: str) -> None:
        bucket, key = split_s3_url(url)
        self.client.delete_object(Bucket=bucket, Key=key)


@functools.lru_cache(maxsize=1 << 16)
def _md5(path: str, size: int, mtime_ns: int) -> str:
    """A file's MD5, hashed again only when its size or modification time changed (a prefix is listed every
    interval; its files rarely change)."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as data:
        while chunk := data.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def split_s3_url(url: str) -> tuple[str, str]:
    if not url.startswith("s3://"):
        raise ValueError(f"not an s3:// URL: {url}")
    bucket, _, key = url[len("s3://") :].partition("/")
    return bucket, key


def default_s3_client() -> Any:
    """A boto3 S3 client configured from the environment (AWS_* variables, including AWS_ENDPOINT_URL)."""
    import boto3

    return boto3.client("s3")


def store_for(url: str, s3_client: Callable[[], Any] = default_s3_client) -> ObjectStore:
    return S3Store(s3_client()) if url.startswith("s3://") else LocalStore()
