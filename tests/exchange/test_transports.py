"""The two transports behind app.axis's interface, without a decision: the folder adapter
writes each package atomically under its send id and reads status files from the incoming
folder; the HTTP adapter maps the axis' answers (accepted, a repeat, a refusal, the axis
away or failing) onto accepted / refused / retry."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.axis import Accepted, FolderAxis, HttpAxis, Refused, TransportError, make


def test_the_folder_adapter_writes_each_package_once_and_reads_and_files_statuses(tmp_path):
    out, incoming = tmp_path / "out", tmp_path / "in"
    folder = FolderAxis(str(out), str(incoming))
    assert folder.fetch_statuses() == []  # no incoming folder yet: nothing, no error
    assert folder.send(b"<package one/>", "a" * 32) == Accepted()
    assert folder.send(b"<package two/>", "a" * 32) == Accepted(duplicate=True)
    assert folder.send(b"<package three/>", "b" * 32) == Accepted()
    assert sorted(p.name for p in out.iterdir()) == ["a" * 32 + ".edxml", "b" * 32 + ".edxml"]
    assert (out / ("a" * 32 + ".edxml")).read_bytes() == b"<package one/>"  # the first kept
    with pytest.raises(ValueError):  # never a path of someone else's choosing
        folder.send(b"x", "../../etc/passwd")

    incoming.mkdir()
    (incoming / "s1.xml").write_bytes(b"<status 1/>")
    (incoming / "s2.edxml").write_bytes(b"<status 2/>")
    (incoming / ".partial.xml").write_bytes(b"<being written/>")  # hidden: not yet whole
    (incoming / "notes.txt").write_text("ignored")
    got = folder.fetch_statuses()
    assert [(s.handle, s.data) for s in got] == [("s1.xml", b"<status 1/>"),
                                                 ("s2.edxml", b"<status 2/>")]
    folder.acknowledge(["s1.xml", "../s2.edxml"])  # names only: both filed under done/
    assert sorted(p.name for p in (incoming / "done").iterdir()) == ["s1.xml", "s2.edxml"]
    assert [s.handle for s in folder.fetch_statuses()] == []


class _Answers(BaseHTTPRequestHandler):
    answers: list = []
    seen: list = []

    def log_message(self, *args):
        pass

    def do_POST(self):  # noqa: N802
        self.seen.append((self.headers.get("SystemId"), self.headers.get("Secret"),
                          self.headers.get("X-Send-Id"),
                          self.rfile.read(int(self.headers["Content-Length"]))))
        code, body = self.answers.pop(0)
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def test_the_http_adapter_maps_the_axis_answers():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        axis = make("http", {"url": url + "/", "system_id": "tdkt", "secret": "s3cret",
                             "timeout": 5})
        _Answers.answers[:] = [(201, {}), (409, {"error": "duplicate"}),
                               (422, {"error": "invalid_package", "message": "Sai chữ ký."}),
                               (409, {"error": "conflict"}), (503, {}), (429, {})]
        assert axis.send(b"<p/>", "c" * 32) == Accepted()
        assert axis.send(b"<p/>", "c" * 32) == Accepted(duplicate=True)
        assert axis.send(b"<p/>", "d" * 32) == Refused("Sai chữ ký.")
        assert axis.send(b"<p/>", "d" * 32) == Refused("conflict")
        for _ in range(2):  # the axis failing or asking to slow down: try again later
            with pytest.raises(TransportError):
                axis.send(b"<p/>", "e" * 32)
        assert _Answers.seen[0] == ("tdkt", "s3cret", "c" * 32, b"<p/>")
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(TransportError):  # the axis away: connection refused
        HttpAxis(url, "tdkt", "s3cret", timeout=2).send(b"<p/>", "f" * 32)
    assert make("", {}) is None
    with pytest.raises(ValueError):
        make("carrier-pigeon", {})
