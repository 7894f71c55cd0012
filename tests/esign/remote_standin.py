"""A stand-in for a remote-signing service (SmartCA-like, or the signing plugin), on
127.0.0.1: a request, the person confirms, the answer by polling or by callback.

Kinds: "raw" (a raw signature of a digest), "cms" (a CMS SignedData for a digest, as
remote-signing services answer) and "pdf" (a whole signed PDF, as the field's plugins
return: the plugin itself fills the number and the date when it is the Văn thư's step).
"""
import base64
import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from app.esign import aio, pdfsign


class RemoteStandIn:
    def __init__(self, accounts: dict, settings, timestamper=None, callback_secret=None):
        """accounts: name -> dict(key=SigningKey, image=png, seal=png, spec=IssueFields)."""
        self.accounts = accounts
        self.settings = settings
        self.timestamper = timestamper
        self.requests: dict[str, dict] = {}
        self._ids = itertools.count(1)
        self.tamper = None  # a function bytes -> bytes applied to "pdf" answers
        self.callback_secret = callback_secret  # signs the callbacks (HMAC-SHA256)
        self.callbacks: list[tuple] = []  # (ticket, status, reply, body, headers) sent
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def confirm(self, ticket: str):
        """The person confirms on their device (the test calls the confirm URL)."""
        with urllib.request.urlopen(urllib.request.Request(
                f"{self.url}/requests/{ticket}/confirm", data=b"", method="POST")) as r:
            return json.loads(r.read())

    def call_back(self, ticket: str, request: dict):
        """Post the answer to the request's callback URL, signed as the real services sign
        it (HMAC-SHA256 of "<timestamp>.<body>" under the shared secret, when one is set);
        what came back is kept in ``self.callbacks``: (ticket, status, body, headers)."""
        answer = {k: v for k, v in request.items()
                  if k not in {"account", "params", "callback_url", "digest"} and
                  (k != "pdf" or request["kind"] == "pdf")}
        answer["id"] = ticket
        body = json.dumps(answer).encode()
        headers = {"Content-Type": "application/json"}
        if self.callback_secret:
            stamp = str(int(time.time()))
            mac = hmac.new(self.callback_secret.encode(), stamp.encode() + b"." + body,
                           hashlib.sha256)
            headers.update({"X-Signing-Timestamp": stamp,
                            "X-Signing-Signature": "sha256=" + mac.hexdigest()})
        try:
            with urllib.request.urlopen(urllib.request.Request(
                    request["callback_url"], data=body, headers=headers, method="POST"),
                    timeout=60) as r:
                status, reply = r.status, r.read()
        except urllib.error.HTTPError as error:
            status, reply = error.code, error.read()
        self.callbacks.append((ticket, status, json.loads(reply or b"{}"), body, headers))

    def _answer(self, request: dict) -> dict:
        account = self.accounts[request["account"]]
        key = account["key"]
        if request["kind"] == "raw":
            return {"signature": base64.b64encode(
                key.sign_digest(bytes.fromhex(request["digest"]))).decode()}
        if request["kind"] == "cms":
            cms = aio.run(key.pdf_signer().async_sign(
                bytes.fromhex(request["digest"]), "sha256", use_pades=True))
            return {"cms": base64.b64encode(cms.dump()).decode()}
        pdf = base64.b64decode(request["pdf"])
        params = request["params"]
        if params.get("step") == "issue":
            signed = pdfsign.issue(pdf, key, account["spec"], seal_png=account["seal"],
                                   settings=self.settings, timestamper=self.timestamper,
                                   expected_cert=key.certificate)
        else:
            signed = pdfsign.sign_approval(pdf, key, field=params["field"],
                                           image_png=account["image"], settings=self.settings,
                                           timestamper=self.timestamper,
                                           expected_cert=key.certificate)
        if self.tamper:
            signed = self.tamper(signed)
        return {"pdf": base64.b64encode(signed).decode()}

    def _handler(self):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                parts = self.path.strip("/").split("/")
                if parts == ["requests"]:
                    ticket = str(next(outer._ids))
                    outer.requests[ticket] = {**body, "status": "pending"}
                    return self._json(201, {"id": ticket,
                                            "confirm_url": f"/requests/{ticket}/confirm"})
                if len(parts) == 3 and parts[2] == "confirm":
                    request = outer.requests[parts[1]]
                    request.update(outer._answer(request), status="done")
                    if request.get("callback_url"):
                        outer.call_back(parts[1], request)
                    return self._json(200, {"status": "done"})
                return self._json(404, {})

            def do_GET(self):  # noqa: N802
                parts = self.path.strip("/").split("/")
                request = outer.requests.get(parts[-1])
                if request is None:
                    return self._json(404, {})
                return self._json(200, {k: v for k, v in request.items()
                                        if k not in {"account", "params", "callback_url"}})

        return Handler


class CallbackSink:
    """The server's callback endpoint, in miniature: records what the service posts."""

    def __init__(self):
        self.received: list[dict] = []
        self.event = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                outer.received.append(json.loads(self.rfile.read(length)))
                outer.event.set()
                self.send_response(204)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/callback"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
