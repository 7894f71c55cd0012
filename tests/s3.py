"""A real S3 server for the tests: moto's standalone server (ThreadedMotoServer) on a free
port of 127.0.0.1, reached over HTTP by boto3 exactly as a MinIO would be."""
import secrets

import boto3
from moto.server import ThreadedMotoServer

ACCESS_KEY, SECRET_KEY, REGION = "tdkt-test", "tdkt-test-secret", "us-east-1"


class S3Server:
    def __init__(self):
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.endpoint = None

    def start(self):
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"

    def stop(self):
        self.server.stop()

    def client(self):
        return boto3.session.Session().client(
            "s3", endpoint_url=self.endpoint, region_name=REGION,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)

    def new_bucket(self) -> str:
        name = f"tdkt-{secrets.token_hex(6)}"
        self.client().create_bucket(Bucket=name)
        return name

    def app_config(self, bucket, prefix="") -> dict:
        """The app's settings for this bucket (create_app's mapping)."""
        return {"STORAGE_URL": f"s3://{bucket}/{prefix}".rstrip("/"),
                "STORAGE_S3_ENDPOINT_URL": self.endpoint, "STORAGE_S3_REGION": REGION,
                "STORAGE_S3_ACCESS_KEY_ID": ACCESS_KEY, "STORAGE_S3_SECRET_ACCESS_KEY": SECRET_KEY}

    def env(self, bucket, prefix="") -> dict:
        """The same, as environment variables for a child process (gunicorn, flask)."""
        return {key: str(value) for key, value in self.app_config(bucket, prefix).items()}
