"""A real S3 HTTP endpoint on a free port of 127.0.0.1: moto's server mode in a subprocess.

Each test gets its own bucket, created with object lock (which also switches on versioning), so
retention and legal hold behave as on a production bucket. ``stop``/``start`` keep the port: a
test can take the store down while the app writes, and bring it back (moto keeps no data across
a restart, which such a test does not need).
"""

from __future__ import annotations

import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .process import ServiceProcess, free_port

REGION = "eu-central-1"
ACCESS_KEY = "amtsweg-test"
SECRET_KEY = "amtsweg-test-secret"


class S3Server:
    def __init__(self) -> None:
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="amtsweg-s3-"))
        self.service: ServiceProcess | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self) -> Any:
        return boto3.client(
            "s3", endpoint_url=self.url, region_name=REGION, aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}, connect_timeout=2),
        )

    def start(self) -> None:
        self.service = ServiceProcess(
            "moto_server", [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            self.root / "moto.log",
        )
        self.service.start()
        self.service.wait_until(self._answers)

    def stop(self) -> None:
        if self.service is not None:
            self.service.stop()

    @property
    def running(self) -> bool:
        return self.service is not None and self.service.running

    def _answers(self) -> bool:
        try:
            self.client().list_buckets()
        except (BotoCoreError, ClientError):
            return False
        return True

    def create_bucket(self, *, object_lock: bool = True, name: str = "") -> str:
        """A new bucket (a fresh name unless ``name`` is given, e.g. again after a restart)."""
        name = name or f"amtsweg-{uuid.uuid4().hex[:16]}"
        self.client().create_bucket(
            Bucket=name, ObjectLockEnabledForBucket=object_lock,
            CreateBucketConfiguration={"LocationConstraint": REGION},
        )
        return name

    def app_settings(self, bucket: str, staging: Path) -> dict[str, Any]:
        """The app settings that store documents in ``bucket``."""
        return {
            "DOCUMENTS_BACKEND": "s3",
            "DOCUMENTS_S3_ENDPOINT_URL": self.url,
            "DOCUMENTS_S3_BUCKET": bucket,
            "DOCUMENTS_S3_REGION": REGION,
            "DOCUMENTS_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "DOCUMENTS_S3_SECRET_ACCESS_KEY": SECRET_KEY,
            "DOCUMENTS_S3_TIMEOUT": 2,
            "DOCUMENTS_STAGING_DIR": str(staging),
        }
