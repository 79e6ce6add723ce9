"""A loopback S3 server for the tests: moto in server mode on 127.0.0.1, one per test process.

It runs in a thread of the test process and stops at exit. Every S3 client the tests start —
pyiceberg's (pyarrow), polars', boto3's — is pointed at it through the environment (`env`), with
the instance-metadata lookup of the AWS SDKs turned off, so nothing leaves the machine.
"""

from __future__ import annotations

import atexit
import logging
from dataclasses import dataclass

_STATE: dict[str, object] = {}
ACCESS_KEY = "ledger-test-access"
# Distinctive, so a test can look for it in every file, log and error and be sure it is absent.
SECRET_KEY = "s3-Secret-d41f9b07-never-written"
REGION = "us-east-1"


@dataclass(frozen=True)
class LoopbackS3:
    endpoint: str

    def env(self) -> dict[str, str]:
        return {"AWS_ENDPOINT_URL_S3": self.endpoint, "AWS_ENDPOINT_URL": self.endpoint,
                "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_REGION": REGION,
                "AWS_EC2_METADATA_DISABLED": "true"}

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=ACCESS_KEY,
                            aws_secret_access_key=SECRET_KEY, region_name=REGION)

    def create_bucket(self, name: str) -> str:
        client = self.client()
        if name not in {b["Name"] for b in client.list_buckets().get("Buckets", [])}:
            client.create_bucket(Bucket=name)
        return name

    def objects(self, bucket: str) -> dict[str, bytes]:
        """Every object in `bucket`, key → bytes."""
        client = self.client()
        keys = [o["Key"] for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
                for o in page.get("Contents", [])]
        return {k: client.get_object(Bucket=bucket, Key=k)["Body"].read() for k in keys}


def server() -> LoopbackS3:
    """The process's loopback S3 server, started on first use."""
    if "server" not in _STATE:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
        moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        moto.start()
        host, port = moto.get_host_and_port()
        _STATE.update(moto=moto, server=LoopbackS3(f"http://{host}:{port}"))
        atexit.register(_stop)
    return _STATE["server"]  # type: ignore[return-value]


def _stop() -> None:
    moto = _STATE.pop("moto", None)
    _STATE.pop("server", None)
    if moto is not None:
        moto.stop()
