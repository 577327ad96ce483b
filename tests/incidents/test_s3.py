"""Attachments in S3-compatible storage, against moto's local server (a real HTTP endpoint)."""

import socket
import uuid

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from tests.factories import auth
from tests.incidents import media_samples as samples
from tests.incidents.world import report

BUCKET = "ttq-attachments"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="ap-southeast-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    ).create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"}
    )
    yield endpoint
    server.stop()


@pytest.fixture
def settings(settings, s3_endpoint):
    return settings.model_copy(
        update={
            "attachment_storage": "s3",
            "s3_bucket": BUCKET,
            "s3_endpoint_url": s3_endpoint,
            "s3_access_key_id": "test",
            "s3_secret_access_key": "test",
            "s3_presign_seconds": 120,
        }
    )


async def test_s3_upload_and_presigned_download(app, client, city, s3_endpoint):
    iid = (
        await report(client, app, city.member_a, category="drugs", protect_reporter=True)
    ).json()["id"]
    aid = uuid.uuid4()
    r = await client.put(
        f"/api/v1/incidents/{iid}/attachments/{aid}",
        files={"file": ("x.jpg", samples.jpeg_with_gps(), "image/jpeg")},
        headers=auth(app, city.member_a),
    )
    assert r.status_code == 201, r.text
    assert r.json()["metadata_stripped"] is True
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="ap-southeast-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    obj = s3.get_object(Bucket=BUCKET, Key=f"incidents/{iid}/{aid}")
    body = obj["Body"].read()
    assert obj["ContentType"] == "image/jpeg" and b"Exif" not in body

    r = await client.get(
        f"/api/v1/incidents/{iid}/attachments/{aid}/content", headers=auth(app, city.police_a1)
    )
    assert r.status_code == 307
    url = r.headers["location"]
    assert url.startswith(s3_endpoint) and "X-Amz-Signature" in url and "X-Amz-Expires=120" in url
    async with httpx.AsyncClient() as direct:
        fetched = await direct.get(url)
    assert fetched.status_code == 200 and fetched.content == body
    # The same upload again is a no-op; the bucket holds exactly one object for it.
    again = await client.put(
        f"/api/v1/incidents/{iid}/attachments/{aid}",
        files={"file": ("x.jpg", samples.jpeg_with_gps(), "image/jpeg")},
        headers=auth(app, city.member_a),
    )
    assert again.status_code == 200
    keys = [
        o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=f"incidents/{iid}/")["Contents"]
    ]
    assert keys == [f"incidents/{iid}/{aid}"]
    # Out of scope: no redirect, no URL, just 404.
    r = await client.get(
        f"/api/v1/incidents/{iid}/attachments/{aid}/content", headers=auth(app, city.police_b)
    )
    assert r.status_code == 404
