"""A local RFC 3161 timestamp authority for the demo and the tests (never production: the
công vụ CA runs the real one). It answers POSTs of application/timestamp-query with the
demo TSA certificate written by ``flask signing demo-ca``."""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

MAX_QUERY = 64 * 1024


def timestamper_from_pkcs12(data: bytes, passphrase: bytes) -> DummyTimeStamper:
    key, cert, extra = pkcs12.load_key_and_certificates(data, passphrase)
    der = lambda c: asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))  # noqa: E731
    return DummyTimeStamper(
        tsa_cert=der(cert),
        tsa_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())),
        certs_to_embed=SimpleCertificateStore.from_certs([der(c) for c in extra or []]))


def make_server(stamper: DummyTimeStamper, host: str = "127.0.0.1", port: int = 0):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            if length <= 0 or length > MAX_QUERY:
                self.send_error(400)
                return
            try:
                request = tsp.TimeStampReq.load(self.rfile.read(length))
                answer = stamper.request_tsa_response(request).dump()
            except ValueError:
                self.send_error(400)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    return ThreadingHTTPServer((host, port), Handler)


def serve_in_thread(stamper: DummyTimeStamper, host="127.0.0.1", port=0):
    server = make_server(stamper, host, port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
