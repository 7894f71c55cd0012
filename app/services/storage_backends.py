"""The two places files are kept: a local folder, or an S3-compatible bucket (boto3).

Both offer the same few operations; app/services/storage.py chooses one from the
configuration and is the only caller. Reads for downloads hash while they copy, so the
caller can refuse a changed file before sending a byte, without holding it in memory.
"""
import base64
import hashlib
import os
import secrets
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol

CHUNK = 256 * 1024
# A download is spooled to disk past this size: only small files stay in memory.
SPOOL_IN_MEMORY = 1024 * 1024


class Backend(Protocol):
    presigns: bool

    def write_new(self, key: str, data: bytes, sha256: str) -> None: ...
    def read(self, key: str) -> bytes: ...
    def open_hashed(self, key: str) -> tuple[BinaryIO, int, str]: ...
    def exists(self, key: str) -> bool: ...
    def keys(self) -> list[str]: ...
    def remove(self, key: str) -> None: ...
    def ping(self) -> None: ...
    def location(self) -> str: ...


def _sha256_of(fh) -> str:
    digest = hashlib.sha256()
    while chunk := fh.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


class LocalBackend:
    """Files under one folder (the embedded default: instance/uploads)."""

    presigns = False

    def __init__(self, root: Path):
        self.root = Path(root)

    def __repr__(self):
        return f"LocalBackend({str(self.root)!r})"

    def location(self):
        """Where the files are, as STORAGE_URL would name it."""
        return f"file://{self.root.resolve()}"

    def path_of(self, key: str) -> Path:
        root = self.root.resolve()
        path = (root / key).resolve()
        if not path.is_relative_to(root):
            raise ValueError(f"storage key outside the folder: {key!r}")
        return path

    def write_new(self, key, data, sha256):
        path = self.path_of(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "xb") as fh:  # never over an existing file
            fh.write(data)

    def read(self, key):
        return self.path_of(key).read_bytes()

    def open_hashed(self, key):
        # Hash first, then hand out a fresh handle: the file is written once, never changed.
        path = self.path_of(key)
        with open(path, "rb") as fh:
            sha = _sha256_of(fh)
        fh = open(path, "rb")  # noqa: SIM115 - closed by the response that streams it
        return fh, os.fstat(fh.fileno()).st_size, sha

    def exists(self, key):
        return self.path_of(key).is_file()

    def keys(self):
        if not self.root.exists():
            return []
        return [p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file()]

    def remove(self, key):
        try:
            os.remove(self.path_of(key))
        except FileNotFoundError:
            pass

    def ping(self):
        # A real write, removed at once: permission bits say nothing to root, nor of a
        # full or read-only disk.
        self.root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self.root, prefix=".ping-") as probe:
            probe.write(b"ok")
            probe.flush()


class S3Backend:
    """Objects in one bucket under a prefix, on AWS S3 or a compatible server (MinIO).

    Each object carries its SHA-256 twice: as S3's own checksum (the server refuses an
    upload that arrives changed) and as metadata, read back when downloads are presigned.
    """

    presigns = True

    def __init__(self, bucket, prefix="", *, endpoint_url=None, region=None, access_key=None,
                 secret_key=None, presign_seconds=300):
        import boto3
        from botocore.config import Config

        self.bucket, self.prefix, self.endpoint_url = bucket, prefix, endpoint_url or None
        self.presign_seconds = int(presign_seconds)
        session = boto3.session.Session()
        settings = dict(signature_version="s3v4",
                        # Path-style addressing: what MinIO and other self-hosted servers answer.
                        s3={"addressing_style": "path" if endpoint_url else "auto"})

        def client(**config):
            return session.client(
                "s3", endpoint_url=endpoint_url or None, region_name=region or None,
                aws_access_key_id=access_key or None, aws_secret_access_key=secret_key or None,
                config=Config(**settings, **config))

        self.client = client(retries={"max_attempts": 3, "mode": "standard"},
                             max_pool_connections=20)
        # The readiness probe's own: one try, short timeouts, so a server that is down or
        # hangs fails the probe soon instead of being retried past /readyz's deadline.
        self.probe_client = client(retries={"max_attempts": 1, "mode": "standard"},
                                   connect_timeout=1, read_timeout=2, max_pool_connections=2)

    def __repr__(self):
        return f"S3Backend({self.location()})"

    def location(self):
        """Where the objects are, as STORAGE_URL names it, with the server when not AWS's."""
        url = f"s3://{self.bucket}/{self.prefix}".rstrip("/")
        return f"{url} at {self.endpoint_url}" if self.endpoint_url else url

    def _name(self, key):
        return f"{self.prefix}/{key}" if self.prefix else key

    def _missing(self, error) -> bool:
        return error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")

    def write_new(self, key, data, sha256):
        from botocore.exceptions import ClientError

        try:
            # If-None-Match: never over an existing object (S3 and MinIO honour it).
            self.client.put_object(
                Bucket=self.bucket, Key=self._name(key), Body=data, IfNoneMatch="*",
                ChecksumSHA256=base64.b64encode(bytes.fromhex(sha256)).decode("ascii"),
                Metadata={"sha256": sha256})
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "PreconditionFailed":
                raise FileExistsError(key) from error
            raise

    def _fetch(self, key, operation="get_object"):
        """The server's answer about one object (get_object: with its body; head_object:
        its metadata); a missing object is FileNotFoundError, like the local folder's."""
        from botocore.exceptions import ClientError

        try:
            return getattr(self.client, operation)(Bucket=self.bucket, Key=self._name(key))
        except ClientError as error:
            if self._missing(error):
                raise FileNotFoundError(key) from error
            raise

    def read(self, key):
        with self._fetch(key)["Body"] as body:
            return body.read()

    def open_hashed(self, key):
        body = self._fetch(key)["Body"]
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
        digest, size = hashlib.sha256(), 0
        with body:
            for chunk in body.iter_chunks(CHUNK):
                digest.update(chunk)
                spool.write(chunk)
                size += len(chunk)
        spool.seek(0)
        return spool, size, digest.hexdigest()

    def recorded_sha256(self, key) -> str | None:
        return self._fetch(key, "head_object").get("Metadata", {}).get("sha256")

    def presigned_url(self, key, disposition, content_type) -> str:
        return self.client.generate_presigned_url(
            "get_object", ExpiresIn=self.presign_seconds,
            Params={"Bucket": self.bucket, "Key": self._name(key),
                    "ResponseContentDisposition": disposition,
                    "ResponseContentType": content_type})

    def exists(self, key):
        try:
            self.recorded_sha256(key)
        except FileNotFoundError:
            return False
        return True

    def keys(self):
        start = f"{self.prefix}/" if self.prefix else ""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=start)
        return [obj["Key"][len(start):] for page in pages for obj in page.get("Contents", [])]

    def remove(self, key):
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def ping(self):
        # A real write, removed at once, as the local backend does: a bucket that answers
        # HEAD but refuses writes (read-only credentials or policy, a full server) is not
        # ready, since every upload and issued paper would fail.
        name = self._name(f".ping-{secrets.token_hex(8)}")
        self.probe_client.put_object(Bucket=self.bucket, Key=name, Body=b"ok")
        self.probe_client.delete_object(Bucket=self.bucket, Key=name)
