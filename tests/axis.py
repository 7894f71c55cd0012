"""A stand-in for a province's axis (LGSP) on 127.0.0.1, for the exchange tests: a real
HTTP server in a thread that

- takes packages (POST /packages, the send id in X-Send-Id, the system id and secret in
  headers), checks each (app.edxml's parser, the XML signature present and verifying) and
  refuses a repeated send id (409 {"error": "duplicate"}), keeping one copy per send id;
- answers each recipient (To) of an accepted package with the status messages the test
  sets (``schedule``: per organ id, or for every organ, a list of codes or (code, reason)),
  released one step at a time by ``advance()``: served to polling (GET /statuses, POST
  /statuses/ack) and, when ``callback_url`` is set, POSTed there with the configured
  system id and secret;
- takes status messages the same way (POST /packages, e.g. a receiving Văn thư's 02
  answering a package it refused, NĐ 30 Điều 21 k2): parsed with app.edxml, kept once per
  send id in ``statuses`` (a repeated id is a 409 duplicate);
- goes away on ``down()`` (its socket closed: connections are refused) and comes back on
  the same port on ``up()``.
"""
import base64
import json
import threading
import urllib.request
from collections import defaultdict
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from app.edxml import (
    EdxmlError,
    Organ,
    ResponseFor,
    StaffInfo,
    StatusMessage,
    build_status,
    open_package,
    parse_status,
)

SYSTEM_ID = "tdkt.langson.test"
SECRET = "axis-secret-" + "s" * 20


class StandInAxis:
    def __init__(self, system_id=SYSTEM_ID, secret=SECRET):
        self.system_id, self.secret = system_id, secret
        self.lock = threading.Lock()
        self.server = None
        self.port = None
        self.reset()
        self.up()

    def reset(self):
        """Forget every package and status (the port stays)."""
        self.accepted: dict[str, bytes] = {}      # send id -> the one copy kept
        self.packages: dict[str, object] = {}     # send id -> parsed Package
        self.duplicates: dict[str, int] = defaultdict(int)
        self.refused: list[tuple[str, str]] = []  # (send id, reason)
        self.schedule: dict[str, list] = {}       # organ id or "*" -> [code | (code, reason)]
        self._steps: dict[tuple[str, str], int] = {}  # (send id, organ) -> steps released
        self.pending: dict[str, bytes] = {}       # status id -> bytes, until acknowledged
        self.delivered: list[bytes] = []          # every status released
        self.callback_url: str | None = None
        self.callback_answers: list[int] = []
        self.hold: threading.Event | None = None  # set: POST /packages waits for it
        self.holding = threading.Event()
        self.refuse: dict[str, str] = {}          # send id -> the reason it is refused
        self.statuses: dict[str, object] = {}     # send id -> parsed StatusMessage taken in
        self._seq = 0

    # -- life ------------------------------------------------------------------------------

    def up(self):
        axis = self

        class Handler(_Handler):
            pass

        Handler.axis = axis
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port or 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def down(self):
        """The axis away: the listening socket is closed, connections are refused."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def config(self) -> dict:
        return {"EXCHANGE_TRANSPORT": "http", "EXCHANGE_AXIS_URL": self.url,
                "EXCHANGE_SYSTEM_ID": self.system_id, "EXCHANGE_SECRET": self.secret,
                "EXCHANGE_TIMEOUT_SECONDS": 10}

    # -- statuses --------------------------------------------------------------------------

    def _plan(self, organ):
        return self.schedule.get(organ, self.schedule.get("*", []))

    def status_for(self, send_id, organ, code, reason="", when=None) -> bytes:
        """A status message of ``organ`` about the package kept under ``send_id``."""
        header = self.packages[send_id].header
        return build_status(StatusMessage(
            response_for=ResponseFor(
                organ_id=header.from_organ.organ_id,
                code=f"{header.code_number}/{header.code_notation}",
                promulgation_date=header.promulgation_date, document_id=header.document_id),
            from_organ=Organ(organ_id=organ, name=f"Cơ quan {organ}"),
            status_code=code, description=reason,
            timestamp=when or datetime.now().replace(microsecond=0),
            staff=StaffInfo(department="Văn thư", staff="Nguyễn Văn Thư")))

    def advance(self) -> list[bytes]:
        """Release the next scheduled status of every recipient of every package kept."""
        out = []
        with self.lock:
            for send_id, package in self.packages.items():
                for to in package.header.to_organs:
                    step = self._steps.get((send_id, to.organ_id), 0)
                    plan = self._plan(to.organ_id)
                    if step >= len(plan):
                        continue
                    self._steps[(send_id, to.organ_id)] = step + 1
                    entry = plan[step]
                    code, reason = entry if isinstance(entry, tuple) else (entry, "")
                    out.append(self.status_for(send_id, to.organ_id, code, reason))
            for data in out:
                self._seq += 1
                self.pending[f"s{self._seq}"] = data
                self.delivered.append(data)
        if self.callback_url:
            for data in out:
                self.callback(data)
        return out

    def callback(self, data, secret=None, system_id=None):
        request = urllib.request.Request(
            self.callback_url, data=data, method="POST",
            headers={"Content-Type": "application/xml",
                     "SystemId": system_id or self.system_id,
                     "Secret": self.secret if secret is None else secret})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
                code = answer.status
        except urllib.error.HTTPError as error:
            code = error.code
        self.callback_answers.append(code)
        return code

    def stop(self):
        self.down()


class _Handler(BaseHTTPRequestHandler):
    axis: StandInAxis

    def log_message(self, *args):  # quiet
        pass

    def _answer(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorised(self):
        axis = self.axis
        if (self.headers.get("SystemId") != axis.system_id
                or self.headers.get("Secret") != axis.secret):
            self._answer(401, {"error": "unauthorized"})
            return False
        return True

    def do_GET(self):  # noqa: N802
        if not self._authorised():
            return
        if self.path != "/statuses":
            return self._answer(404, {"error": "not_found"})
        with self.axis.lock:
            listed = [{"id": k, "data": base64.b64encode(v).decode()}
                      for k, v in self.axis.pending.items()]
        return self._answer(200, listed)

    def do_POST(self):  # noqa: N802
        if not self._authorised():
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        axis = self.axis
        if self.path == "/statuses/ack":
            ids = json.loads(body or b"{}").get("ids", [])
            with axis.lock:
                for key in ids:
                    axis.pending.pop(key, None)
            return self._answer(200, {"acknowledged": len(ids)})
        if self.path != "/packages":
            return self._answer(404, {"error": "not_found"})
        send_id = self.headers.get("X-Send-Id") or ""
        if not send_id:
            return self._answer(400, {"error": "send_id_missing"})
        with axis.lock:
            if send_id in axis.accepted or send_id in axis.statuses:
                axis.duplicates[send_id] += 1
                return self._answer(409, {"error": "duplicate",
                                          "message": "Mã gửi đã được tiếp nhận."})
        if send_id in axis.refuse:
            return self._answer(422, {"error": "refused", "message": axis.refuse[send_id]})
        if b"<StatusCode>" in body or b":StatusCode>" in body:  # a status message
            try:
                status = parse_status(body)
            except EdxmlError as error:
                with axis.lock:
                    axis.refused.append((send_id, str(error)))
                return self._answer(422, {"error": "invalid_status", "message": str(error)})
            with axis.lock:
                axis.statuses[send_id] = status
            return self._answer(201, {"accepted": send_id})
        try:
            package, _certificate = open_package(body)  # the XML signature holds
        except EdxmlError as error:
            with axis.lock:
                axis.refused.append((send_id, str(error)))
            return self._answer(422, {"error": "invalid_package", "message": str(error)})
        if axis.hold is not None:  # the test kills the sender while the axis holds this
            axis.holding.set()
            axis.hold.wait(30)
        with axis.lock:
            if send_id in axis.accepted:
                axis.duplicates[send_id] += 1
                return self._answer(409, {"error": "duplicate"})
            axis.accepted[send_id] = body
            axis.packages[send_id] = package
        return self._answer(201, {"accepted": send_id})
