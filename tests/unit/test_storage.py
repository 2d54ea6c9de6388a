"""core/storage.py against moto's S3: multipart uploads, presigned URLs, reads, deletes."""

import hashlib
import os
import urllib.parse

import boto3
import pytest

from chalicelib.core import storage


def _object(bucket: str, key: str) -> bytes:
    return bytes(boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())


def test_a_stream_is_uploaded_in_parts_and_appears_whole(data_bucket):
    chunk = os.urandom(1024 * 1024)
    writer = storage.put_stream("exports/s/e/archive.zip", "application/zip")
    for _ in range(11):  # 11 MiB: two full parts and a short last one
        writer.write(chunk)
    assert storage.head("exports/s/e/archive.zip") is None  # nothing visible before close
    writer.close()
    body = _object(data_bucket, "exports/s/e/archive.zip")
    assert body == chunk * 11
    assert writer.bytes == len(body)
    assert writer.sha256 == hashlib.sha256(body).hexdigest()
    assert storage.head("exports/s/e/archive.zip") == len(body)
    assert storage.open_read("exports/s/e/archive.zip").read() == body


def test_a_small_stream_is_one_part(data_bucket):
    writer = storage.put_stream("exports/s/e/small.zip", "application/zip")
    writer.write(b"tiny")
    writer.close()
    writer.close()  # twice: harmless
    assert _object(data_bucket, "exports/s/e/small.zip") == b"tiny"


def test_an_aborted_stream_leaves_no_object_and_no_upload(data_bucket):
    writer = storage.put_stream("exports/s/e/broken.zip", "application/zip")
    writer.write(b"x" * 100)
    writer.abort()
    assert storage.head("exports/s/e/broken.zip") is None
    uploads = boto3.client("s3").list_multipart_uploads(Bucket=data_bucket)
    assert uploads.get("Uploads", []) == []


def test_a_presigned_download_names_the_file_and_expires(data_bucket):
    url = storage.presigned_get("exports/s/e/a.zip", "ai-lifestyle-export-2026-01-02.zip", 900)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["900"]
    assert query["response-content-disposition"] == [
        'attachment; filename="ai-lifestyle-export-2026-01-02.zip"'
    ]
    assert "X-Amz-Signature" in query


def test_a_presigned_post_limits_the_size(data_bucket):
    post = storage.presigned_post("imports/s/i/upload", max_bytes=1024, expires_in=600)
    assert set(post) == {"url", "fields"}
    assert post["fields"]["key"] == "imports/s/i/upload"
    assert "policy" in post["fields"]


def test_delete_prefix_deletes_that_prefix_only(data_bucket):
    s3 = boto3.client("s3")
    for key in ("exports/a/1/x.zip", "exports/a/2/y.zip", "exports/ab/1/z.zip"):
        s3.put_object(Bucket=data_bucket, Key=key, Body=b"1")
    assert storage.delete_prefix("exports/a/") == 2
    left = [item["Key"] for item in s3.list_objects_v2(Bucket=data_bucket)["Contents"]]
    assert left == ["exports/ab/1/z.zip"]
    assert storage.delete_prefix("exports/a/") == 0
    with pytest.raises(ValueError, match="must end in"):
        storage.delete_prefix("exports/a")
