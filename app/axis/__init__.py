"""The exchange transports: how an edXML package leaves this system and how the status
messages about it come back (issue 23). One small interface, two adapters:

- ``HttpAxis``: a province's axis (LGSP) or the Office's own document system over HTTP,
  identified by a system id and a secret sent in headers, as the real axes take them;
- ``FolderAxis``: packages written atomically into an outgoing folder, statuses read from
  an incoming folder, for a province that moves files by other means.

``send`` answers ``Accepted`` or ``Refused(reason)`` and raises ``TransportError`` when the
try may succeed later (the axis away, a timeout, a 5xx): the outbox retries that. A package
sent again under the same send id (at-least-once delivery) that the axis refuses as a repeat
is ``Accepted(duplicate=True)``: the axis has it already.

This package imports nothing of the application: it moves bytes; the services decide.
"""
import json
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

SEND_ID_HEADER = "X-Send-Id"
SYSTEM_ID_HEADER = "SystemId"
SECRET_HEADER = "Secret"
# a send id is ours (hex and dashes): nothing else reaches a header or a file name
_SEND_ID_CHARS = frozenset("0123456789abcdefABCDEF-")
STATUS_MAX_BYTES = 1024 * 1024


class TransportError(Exception):
    """The try failed in a way a later try may not: retry with back-off."""


@dataclass(frozen=True)
class Accepted:
    duplicate: bool = False


@dataclass(frozen=True)
class Refused:
    reason: str


@dataclass(frozen=True)
class Incoming:
    """A status message fetched by polling: its bytes and the handle that acknowledges it."""
    handle: str
    data: bytes


class Transport(Protocol):
    def send(self, package: bytes, send_id: str) -> Accepted | Refused: ...

    def fetch_statuses(self) -> list[Incoming]: ...

    def acknowledge(self, handles: list[str]) -> None: ...


def _checked_send_id(send_id: str) -> str:
    if not send_id or len(send_id) > 64 or not set(send_id) <= _SEND_ID_CHARS:
        raise ValueError(f"not a send id: {send_id!r}")
    return send_id


class HttpAxis:
    """POST {url}/packages (the package's bytes, its send id in X-Send-Id); GET
    {url}/statuses (JSON: [{"id", "data" base64}]) and POST {url}/statuses/ack ({"ids"})."""

    def __init__(self, url: str, system_id: str, secret: str, timeout: float = 30):
        if not url:
            raise ValueError("the axis URL is not configured")
        self.url = url.rstrip("/")
        self.system_id, self.secret, self.timeout = system_id, secret, timeout

    def _request(self, path, data=None, headers=None, method="GET"):
        request = urllib.request.Request(
            self.url + path, data=data, method=method,
            headers={SYSTEM_ID_HEADER: self.system_id, SECRET_HEADER: self.secret,
                     **(headers or {})})
        return urllib.request.urlopen(request, timeout=self.timeout)  # noqa: S310 - configured

    def send(self, package: bytes, send_id: str) -> Accepted | Refused:
        try:
            with self._request("/packages", package, {
                    SEND_ID_HEADER: _checked_send_id(send_id),
                    "Content-Type": "application/xml"}, "POST") as answer:
                answer.read()
                return Accepted()
        except urllib.error.HTTPError as error:
            body = _json(error.read(4096))
            if error.code == 409 and body.get("error") == "duplicate":
                return Accepted(duplicate=True)
            if 400 <= error.code < 500 and error.code not in (408, 429):
                return Refused(str(body.get("message") or body.get("error")
                                   or f"HTTP {error.code}")[:1000])
            raise TransportError(f"HTTP {error.code}") from error
        except (OSError, urllib.error.URLError) as error:  # refused, reset, timed out
            raise TransportError(str(error)) from error

    def fetch_statuses(self) -> list[Incoming]:
        import base64
        try:
            with self._request("/statuses") as answer:
                listed = json.loads(answer.read(64 * STATUS_MAX_BYTES))
        except (OSError, ValueError) as error:
            raise TransportError(str(error)) from error
        out = []
        for entry in listed if isinstance(listed, list) else []:
            try:
                out.append(Incoming(str(entry["id"]), base64.b64decode(entry["data"],
                                                                       validate=True)))
            except (KeyError, TypeError, ValueError):
                continue  # a malformed entry is never acknowledged: the axis keeps it
        return out

    def acknowledge(self, handles: list[str]) -> None:
        if not handles:
            return
        try:
            with self._request("/statuses/ack", json.dumps({"ids": handles}).encode(),
                               {"Content-Type": "application/json"}, "POST") as answer:
                answer.read()
        except (OSError, urllib.error.URLError) as error:
            raise TransportError(str(error)) from error


def _json(data: bytes) -> dict:
    try:
        value = json.loads(data or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class FolderAxis:
    """Packages go into ``outgoing`` as ``<send id>.edxml`` (written to a temporary name in
    the same folder, flushed, then renamed: a reader never sees half a package); status
    messages are read from ``incoming`` (``*.xml``, ``*.edxml``) and, once kept, moved into
    its ``done`` folder."""

    def __init__(self, outgoing: str, incoming: str):
        if not outgoing or not incoming:
            raise ValueError("the exchange folders are not configured")
        self.outgoing, self.incoming = Path(outgoing), Path(incoming)

    def send(self, package: bytes, send_id: str) -> Accepted | Refused:
        target = self.outgoing / f"{_checked_send_id(send_id)}.edxml"
        try:
            self.outgoing.mkdir(parents=True, exist_ok=True)
            if target.exists():
                return Accepted(duplicate=True)
            fd, temporary = tempfile.mkstemp(dir=self.outgoing, prefix=".", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(package)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(temporary, target)
            finally:
                if os.path.exists(temporary):
                    os.unlink(temporary)
        except OSError as error:
            raise TransportError(str(error)) from error
        return Accepted()

    def fetch_statuses(self) -> list[Incoming]:
        try:
            names = sorted(p for p in self.incoming.iterdir()
                           if p.is_file() and p.suffix in (".xml", ".edxml")
                           and not p.name.startswith("."))
            return [Incoming(p.name, p.read_bytes()) for p in names
                    if p.stat().st_size <= STATUS_MAX_BYTES]
        except FileNotFoundError:
            return []
        except OSError as error:
            raise TransportError(str(error)) from error

    def acknowledge(self, handles: list[str]) -> None:
        done = self.incoming / "done"
        done.mkdir(exist_ok=True)
        for handle in handles:
            name = Path(handle).name  # never a path outside the folder
            source = self.incoming / name
            if source.exists():
                os.replace(source, done / name)


def make(kind: str, settings: dict) -> Transport | None:
    """The configured transport: "http", "folder", or None (exchange off)."""
    kind = (kind or "").strip().lower()
    if not kind:
        return None
    if kind == "http":
        return HttpAxis(settings.get("url", ""), settings.get("system_id", ""),
                        settings.get("secret", ""), float(settings.get("timeout") or 30))
    if kind == "folder":
        return FolderAxis(settings.get("outgoing", ""), settings.get("incoming", ""))
    raise ValueError(f"unknown exchange transport {kind!r}")
