"""The account-data bucket (S3): exports written by the job, imports uploaded by the user.

One private bucket per stage (`Settings.data_bucket`), keys under `exports/{subject}/...` and
`imports/{subject}/...` (`subject`: account/jobs.py's digest of the user id, nothing
personal). One client per process, bounded like core/queue.py's so a hung S3 ends in our 503
during a request; the job's uploads get a longer read timeout (a 5 MiB part takes a moment).

Presigned URLs are signed with the caller's credentials: deployed, those are the function
role's temporary credentials, so a URL stops working when they expire even if `expires_in`
has not passed yet (the client simply asks for a fresh one: the status route signs anew).
"""

import hashlib
import os
from collections.abc import Iterator
from functools import lru_cache
from typing import Any, BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from chalicelib.core.aws import error_code
from chalicelib.core.config import get_settings

# S3's own floor for every part of a multipart upload but the last.
MIN_PART_BYTES = 5 * 1024 * 1024
# S3 deletes at most this many keys per DeleteObjects request.
DELETE_BATCH = 1000


@lru_cache(maxsize=1)
def client() -> Any:
    # Path-style addressing against a local endpoint (moto): no wildcard DNS for bucket names.
    local = bool(os.environ.get("AWS_ENDPOINT_URL_S3"))
    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": "path" if local else "virtual"},
        retries={"mode": "standard", "total_max_attempts": 3},
        connect_timeout=1,
        read_timeout=20,
    )
    return boto3.client("s3", region_name=get_settings().region, config=config)


def bucket() -> str:
    return get_settings().data_bucket


class MultipartWriter:
    """A write-only stream into one S3 object, uploaded in parts of at least `part_bytes` as
    it is written (bounded memory, whatever the object's size). `close()` completes the
    upload; `abort()` discards it (the bucket's lifecycle rule also aborts uploads a crashed
    run left behind). It counts the bytes and their SHA-256 on the way."""

    def __init__(self, key: str, content_type: str, part_bytes: int = MIN_PART_BYTES) -> None:
        self.key = key
        self._part_bytes = max(MIN_PART_BYTES, part_bytes)
        self._buffer = bytearray()
        self._parts: list[dict[str, Any]] = []
        self._digest = hashlib.sha256()
        self.bytes = 0
        self._upload_id: str | None = str(
            client().create_multipart_upload(Bucket=bucket(), Key=key, ContentType=content_type)[
                "UploadId"
            ]
        )

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:
        self._buffer += data
        self._digest.update(data)
        self.bytes += len(data)
        if len(self._buffer) >= self._part_bytes:
            self._upload_part(bytes(self._buffer))
            self._buffer.clear()
        return len(data)

    def flush(self) -> None:
        """Parts go when they are full, not on flush (zipfile flushes after each member)."""

    def _upload_part(self, body: bytes) -> None:
        number = len(self._parts) + 1
        answer = client().upload_part(
            Bucket=bucket(), Key=self.key, UploadId=self._upload_id, PartNumber=number, Body=body
        )
        self._parts.append({"PartNumber": number, "ETag": answer["ETag"]})

    def close(self) -> None:
        """Complete the upload: the object appears whole, or not at all."""
        if self._upload_id is None:
            return
        if self._buffer or not self._parts:  # the last part may be small (or the only one)
            self._upload_part(bytes(self._buffer))
            self._buffer.clear()
        client().complete_multipart_upload(
            Bucket=bucket(),
            Key=self.key,
            UploadId=self._upload_id,
            MultipartUpload={"Parts": self._parts},
        )
        self._upload_id = None

    def abort(self) -> None:
        if self._upload_id is None:
            return
        upload_id, self._upload_id = self._upload_id, None
        client().abort_multipart_upload(Bucket=bucket(), Key=self.key, UploadId=upload_id)


def put_stream(key: str, content_type: str) -> MultipartWriter:
    """A writer for the object `key` (see MultipartWriter)."""
    return MultipartWriter(key, content_type)


def presigned_get(key: str, filename: str, expires_in: int) -> str:
    """A URL that downloads `key` as the attachment `filename` for `expires_in` seconds."""
    return str(
        client().generate_presigned_url(
            "get_object",
            Params={
                "Bucket": bucket(),
                "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
            },
            ExpiresIn=expires_in,
        )
    )


def presigned_post(key: str, *, max_bytes: int, expires_in: int) -> dict[str, Any]:
    """A form upload to `key` of at most `max_bytes`: {"url", "fields"}."""
    post = client().generate_presigned_post(
        Bucket=bucket(),
        Key=key,
        Conditions=[["content-length-range", 1, max_bytes]],
        ExpiresIn=expires_in,
    )
    return {"url": post["url"], "fields": post["fields"]}


def head(key: str) -> int | None:
    """The object's size in bytes, or None when there is none."""
    try:
        answer = client().head_object(Bucket=bucket(), Key=key)
    except ClientError as exc:
        if error_code(exc) in {"404", "NoSuchKey", "NotFound"}:
            return None
        raise
    return int(answer["ContentLength"])


def open_read(key: str) -> BinaryIO:
    """The object's body as a stream (read it in chunks: it may be large)."""
    body: BinaryIO = client().get_object(Bucket=bucket(), Key=key)["Body"]
    return body


def _keys_under(prefix: str) -> Iterator[list[str]]:
    pages = client().get_paginator("list_objects_v2").paginate(Bucket=bucket(), Prefix=prefix)
    for page in pages:
        keys = [str(item["Key"]) for item in page.get("Contents", [])]
        if keys:
            yield keys


def delete_prefix(prefix: str) -> int:
    """Delete every object under `prefix` (which must end in "/"); returns how many."""
    if not prefix.endswith("/"):
        raise ValueError("a prefix to delete must end in '/'")
    deleted = 0
    for keys in _keys_under(prefix):
        for start in range(0, len(keys), DELETE_BATCH):
            batch = keys[start : start + DELETE_BATCH]
            client().delete_objects(
                Bucket=bucket(),
                Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
            )
            deleted += len(batch)
    return deleted
