"""The account-data bucket (S3): uploads to import, exports to download. One client per
process, bounded like the others, so a hung S3 ends in our 503 rather than a stuck request.

Keys are always made by the caller from ids it issued (`imports/{subject}/{importId}/upload`),
never from what a client sent, and the bucket is private: a client reaches an object only
through a presigned POST or GET made for it.

(The IMPORT helper wrote the functions imports need; EXPORT's fuller module has the same
names and signatures.)
"""

from functools import lru_cache
from typing import Any, BinaryIO, cast

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from chalicelib.core.aws import error_code
from chalicelib.core.config import get_settings


@lru_cache(maxsize=1)
def client() -> Any:
    config = Config(
        retries={"mode": "standard", "total_max_attempts": 3},
        connect_timeout=2,
        read_timeout=30,  # a streaming read of a large upload, chunk by chunk
        signature_version="s3v4",
    )
    return boto3.client("s3", region_name=get_settings().region, config=config)


def bucket() -> str:
    return get_settings().data_bucket


def presigned_post(key: str, *, max_bytes: int, expires_in: int) -> dict[str, Any]:
    """A form upload of one object at `key`, of at most `max_bytes` (S3 refuses a larger body
    itself), valid for `expires_in` seconds: {"url", "fields"}."""
    post = client().generate_presigned_post(
        Bucket=bucket(),
        Key=key,
        Conditions=[["content-length-range", 1, max_bytes]],
        ExpiresIn=expires_in,
    )
    return {"url": str(post["url"]), "fields": dict(post["fields"])}


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
    """The object's body as a stream (read it in chunks; close it when done)."""
    return cast(BinaryIO, client().get_object(Bucket=bucket(), Key=key)["Body"])


def delete_prefix(prefix: str) -> int:
    """Delete every object whose key starts with `prefix` (a page of up to 1,000 per
    request); returns how many were deleted."""
    deleted = 0
    pages = client().get_paginator("list_objects_v2").paginate(Bucket=bucket(), Prefix=prefix)
    for page in pages:
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            client().delete_objects(Bucket=bucket(), Delete={"Objects": keys, "Quiet": True})
            deleted += len(keys)
    return deleted
