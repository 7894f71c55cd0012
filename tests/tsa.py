"""A real RFC 3161 time-stamping authority for the tests: openssl's own (`openssl ts
-reply`), with a CA and a TSA certificate made for the run, answering HTTP POSTs of
application/timestamp-query on a free port of 127.0.0.1, as a public TSA would."""
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CONFIG = """[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
dir = {dir}
serial = {dir}/serial
crypto_device = builtin
signer_cert = {dir}/tsa.pem
certs = {dir}/tsa.pem
signer_key = {dir}/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _run(*args, cwd):
    subprocess.run(args, cwd=cwd, check=True, capture_output=True)


def make_authority(where: Path, name="Test TSA"):
    """A CA and a TSA certificate it signed (extendedKeyUsage timeStamping, critical)."""
    where.mkdir(parents=True, exist_ok=True)
    _run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
         "-out", "ca.pem", "-days", "2", "-subj", f"/CN={name} CA", cwd=where)
    _run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key", "-out",
         "tsa.csr", "-subj", f"/CN={name}", cwd=where)
    (where / "ext.cnf").write_text("extendedKeyUsage=critical,timeStamping\n")
    _run("openssl", "x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
         "-CAcreateserial", "-out", "tsa.pem", "-days", "2", "-extfile", "ext.cnf", cwd=where)
    (where / "serial").write_text("01\n")
    (where / "tsa.cnf").write_text(CONFIG.format(dir=where))
    return where / "ca.pem"


class TSAServer:
    def __init__(self, where: Path):
        self.dir = Path(where)
        self.ca = make_authority(self.dir)
        self.requests = 0
        lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                query = self.rfile.read(int(self.headers["Content-Length"]))
                with lock, tempfile.TemporaryDirectory() as tmp:
                    Path(tmp, "q.tsq").write_bytes(query)
                    subprocess.run(["openssl", "ts", "-reply", "-config",
                                    str(server.dir / "tsa.cnf"), "-queryfile", "q.tsq",
                                    "-out", "r.tsr"], cwd=tmp, check=True, capture_output=True)
                    reply = Path(tmp, "r.tsr").read_bytes()
                    server.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/tsa"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.http.shutdown()
        self.http.server_close()
