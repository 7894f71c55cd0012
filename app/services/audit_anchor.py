"""Anchors: the audit record pinned where SQL cannot move it.

The hash chains (audit_chain.py) show a row changed inside a chain, but someone with SQL
can cut a chain's end and move its head back, delete a whole chain and clear its head, or
edit rows no chain holds. An anchor closes that: at a watermark (the last id of each
covered table) it takes

- every chain's head as it stood at the watermark: the item (or register), the number
  of its links up to it, the last one's id and hash; since each link hashes the one
  before, a head pins the whole chain behind it;
- every award record (award_records), every kept document's recorded hash
  (stored_documents) up to the watermark, and the Board's verdict on each nominee of a
  dossier whose chain had reached a state where verdicts can no longer change;

and makes a Merkle root of each kind (RFC 6962: leaf = SHA-256(0x00 ‖ leaf), node =
SHA-256(0x01 ‖ left ‖ right), leaves sorted by key). The anchor's own root hashes those
roots, the watermarks, the time and the previous anchor's root: anchors form a chain too.

Each anchor is written twice: to the database (audit_anchors, with the leaves it added or
changed in audit_anchor_leaves: enough to recompute every root and to name the row that no
longer matches) and, created once and never overwritten, outside it (AUDIT_ANCHOR_URL: a
folder the backups keep apart, or an S3 bucket, with object lock where the bucket has it).
``verify`` trusts only the outside copy: it recomputes the roots from the rows as they are
now, and uses the database's leaves only once their root matches the outside one.

Rows written after the last anchor are covered by the chains alone: that window cannot be
protected, so the daily timer anchors before it verifies.

The canonical forms below are part of the stored anchors: change them only with a new
FORMAT that older anchors keep being checked with.
"""
import base64
import hashlib
import json
import os
import subprocess
import tempfile
import urllib.request
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from app.clock import now_utc
from app.extensions import db
from app.models import (
    AuditAnchor,
    AuditAnchorLeaf,
    AwardRecord,
    Nominee,
    RegisterEntry,
    StoredDocument,
    WorkflowEvent,
)
from app.services import audit_chain, storage
from app.services.audit_chain import Break, Report, _paged
from app.services.errors import ServiceError

FORMAT = "tdkt-audit-anchor/1"
# The covered tables and their watermark: every row with an id up to it is anchored.
TABLES = {"workflow_events": WorkflowEvent, "register_entries": RegisterEntry,
          "award_records": AwardRecord, "stored_documents": StoredDocument}
# Chain kinds: the events' item types, and the registers' chains of numbers.
CHAIN_KINDS = (*audit_chain.ITEM_MODELS, "register")
ROW_KINDS = ("award", "document", "verdict")
KINDS = (*CHAIN_KINDS, *ROW_KINDS)

# The canonical form of a covered row: these columns, as JSON with sorted keys (times in
# ISO form to the microsecond, dates ISO, amounts as plain decimals), hashed by SHA-256.
# An award record is a snapshot that never changes: every column.
AWARD_FIELDS = ("id", "source", "nominee_id", "decision_id", "campaign_id", "subject_kind",
                "name", "title", "position_title", "organisation", "identity_key",
                "search_key", "unit_id", "unit_name", "award_form_id", "form_name",
                "decision_number", "decided_on", "year", "issuer_name", "issuing_level",
                "achievement_summary", "money", "created_at", "created_by_id")
# Written later by a cancellation decision's issue (issue 23): not part of the snapshot (as
# a document's superseded_at); the cancellation itself is anchored as that decision's chain
# (its issue event), and the old decision's id stays in the snapshot.
# unit_decision_id (the unit decision a year-end entry's record belongs to, added after the
# format was fixed) only groups records for their correction: not part of the snapshot either.
AWARD_LATER_FIELDS = ("cancelled_by_id", "cancelled_on", "recover_objects", "recover_money",
                      "unit_decision_id")
# A kept document: what identifies its bytes. Not superseded_at (set when a returned plan
# is signed again) nor content (what the preview renders; the bytes are what was signed).
DOCUMENT_FIELDS = ("id", "item_type", "item_id", "name", "filename", "sha256", "size",
                   "storage_key", "created_at")
# The Board's verdict on a nominee.
VERDICT_FIELDS = ("id", "dossier_id", "verdict", "verdict_reason")
# A dossier whose chain has reached one of these states has its verdicts settled: they are
# written only in appraisal (workflows/dossier.py, the "verdicts" edit), and no step leads
# back there from these.
VERDICTS_SETTLED = frozenset({"appraised", "in_proposal", "decided", "rejected"})

LABELS = {"award": "award record", "document": "document", "verdict": "verdict of nominee"}
WHERE = {"award": "award_records", "document": "stored_documents", "verdict": "nominees"}
CHUNK = 5000
NAMED = 200  # rows named one by one per kind; past that, how many more


# -- hashing -------------------------------------------------------------------------------


def _canon(value):
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def row_digest(fields, row) -> str:
    content = {name: _canon(row[name]) for name in fields}
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def leaf_hash(kind, key, value) -> bytes:
    """A leaf: [kind, key, count, last id, digest] (count and last id empty for rows)."""
    count, last_id, digest = value
    text = json.dumps([kind, key, count, last_id, digest], separators=(",", ":"))
    return hashlib.sha256(b"\x00" + text.encode("ascii")).digest()


class Merkle:
    """RFC 6962's tree hash, fed leaf by leaf in order with O(log n) memory: equal-sized
    subtrees are joined as they complete, the rest from the right at the end."""

    def __init__(self):
        self.stack = []  # (size, hash)
        self.leaves = 0

    def add(self, leaf: bytes):
        self.leaves += 1
        size, node = 1, leaf
        while self.stack and self.stack[-1][0] == size:
            left = self.stack.pop()[1]
            size, node = size * 2, hashlib.sha256(b"\x01" + left + node).digest()
        self.stack.append((size, node))

    def root(self) -> str:
        if not self.stack:
            return hashlib.sha256(b"").hexdigest()
        node = self.stack[-1][1]
        for _size, left in reversed(self.stack[:-1]):
            node = hashlib.sha256(b"\x01" + left + node).digest()
        return node.hex()


def _anchor_root(document) -> str:
    body = {k: v for k, v in document.items() if k != "root"}
    text = json.dumps(body, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _serialise(document) -> str:
    return json.dumps(document, sort_keys=True, ensure_ascii=True, indent=1) + "\n"


# -- the place outside the database ---------------------------------------------------------


def _name(seq):
    return f"anchor-{seq:08d}.json"


class FolderStore:
    """A folder the backups keep apart (another disk, a mount only this job writes): each
    anchor a new file, created exclusively and made read-only; never one overwritten."""

    def __init__(self, path):
        self.path = Path(path)

    def location(self):
        return f"file://{self.path}"

    def names(self):
        if not self.path.is_dir():
            return []
        return sorted(p.name for p in self.path.iterdir() if p.name.startswith("anchor-"))

    def read(self, name):
        return (self.path / name).read_bytes()

    def write_once(self, name, data: bytes):
        self.path.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)


class BucketStore:
    """An S3 bucket (MinIO, AWS): each anchor a new object, put only if none has its name
    (If-None-Match), and held by object lock for AUDIT_ANCHOR_RETAIN_DAYS when the bucket
    was created with object lock: then not even its owner can delete or replace it."""

    def __init__(self, backend, retain_days, mode):
        self.backend, self.retain_days, self.mode = backend, retain_days, mode

    def location(self):
        return self.backend.location()

    def names(self):
        return sorted(k for k in self.backend.keys() if k.startswith("anchor-"))

    def read(self, name):
        return self.backend.read(name)

    def locked(self) -> bool:
        from botocore.exceptions import ClientError

        try:
            config = self.backend.client.get_object_lock_configuration(
                Bucket=self.backend.bucket)
        except ClientError:
            return False  # no lock configuration: a plain bucket
        return config.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled") == "Enabled"

    def write_once(self, name, data: bytes):
        from botocore.exceptions import ClientError

        extra = {}
        if self.locked():
            extra = {"ObjectLockMode": self.mode, "ObjectLockRetainUntilDate":
                     now_utc() + timedelta(days=self.retain_days)}
        sha = hashlib.sha256(data).digest()
        md5 = hashlib.md5(data, usedforsecurity=False).digest()
        try:
            # Content-MD5 as well: S3 asks for it (or a checksum) on a put under object lock
            self.backend.client.put_object(
                Bucket=self.backend.bucket, Key=self.backend._name(name), Body=data,
                IfNoneMatch="*", ChecksumAlgorithm="SHA256",
                ChecksumSHA256=base64.b64encode(sha).decode("ascii"),
                ContentMD5=base64.b64encode(md5).decode("ascii"),
                ContentType="application/json", **extra)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "PreconditionFailed":
                raise FileExistsError(name) from error
            raise


def store():
    """The outside store AUDIT_ANCHOR_URL names, or None when it names none."""
    config = current_app.config
    url = (config.get("AUDIT_ANCHOR_URL") or "").strip()
    if not url:
        return None
    if url.startswith("file://"):
        return FolderStore(url[len("file://"):])
    if url.startswith("s3://"):
        return BucketStore(storage.build(config, url),
                           config.get("AUDIT_ANCHOR_RETAIN_DAYS", 3650),
                           config.get("AUDIT_ANCHOR_LOCK_MODE", "COMPLIANCE"))
    raise ServiceError(f"AUDIT_ANCHOR_URL phải là file:///thư-mục hoặc s3://bucket/prefix, "
                       f"không phải {url!r}.", code="anchor_store")


# -- the time-stamping authority (RFC 3161) ------------------------------------------------
#
# With AUDIT_TSA_URL, each anchor's JSON is stamped by an outside authority: its token (DER,
# kept outside as anchor-NNNNNNNN.tsr and in the database) proves the anchor existed at that
# time, so not even someone who can write the anchor store can make an anchor afterwards and
# date it back. The openssl command builds the request and checks the token.


def _openssl(*args, cwd):
    run = subprocess.run(["openssl", "ts", *args], cwd=cwd, capture_output=True, timeout=60)
    return run.returncode == 0, (run.stdout + run.stderr).decode("utf-8", "replace")


def tsa_configured() -> bool:
    return bool((current_app.config.get("AUDIT_TSA_URL") or "").strip())


def stamp(data: bytes) -> bytes:
    """The TSA's token for ``data`` (SHA-256), checked against the request (its nonce and
    digest) and the configured CA before it is kept."""
    config = current_app.config
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "data").write_bytes(data)
        ok, out = _openssl("-query", "-data", "data", "-sha256", "-cert", "-out", "req.tsq",
                           cwd=tmp)
        if not ok:
            raise ServiceError(f"Không tạo được yêu cầu đóng dấu thời gian: {out}",
                               code="tsa_failed")
        request = urllib.request.Request(
            config["AUDIT_TSA_URL"], data=Path(tmp, "req.tsq").read_bytes(), method="POST",
            headers={"Content-Type": "application/timestamp-query"})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
                token = answer.read()
        except OSError as error:
            raise ServiceError(f"Máy chủ đóng dấu thời gian không trả lời: {error}",
                               code="tsa_failed") from error
        Path(tmp, "reply.tsr").write_bytes(token)
        ok, out = _openssl("-verify", "-queryfile", "req.tsq", "-in", "reply.tsr", "-CAfile",
                           config["AUDIT_TSA_CA_FILE"], cwd=tmp)
        if not ok:
            raise ServiceError(f"Dấu thời gian không hợp lệ: {out.strip()}", code="tsa_failed")
        return token


def check_stamp(data: bytes, token: bytes) -> tuple[bool, str]:
    """Whether ``token`` stamps ``data`` under the configured CA; and the time it names (or
    openssl's words when it does not)."""
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "data").write_bytes(data)
        Path(tmp, "reply.tsr").write_bytes(token)
        ok, out = _openssl("-verify", "-data", "data", "-in", "reply.tsr", "-CAfile",
                           current_app.config["AUDIT_TSA_CA_FILE"], cwd=tmp)
        if not ok:
            return False, out.strip().splitlines()[-1] if out.strip() else "verify failed"
        _ok, text = _openssl("-reply", "-in", "reply.tsr", "-text", cwd=tmp)
        when = next((line.split(":", 1)[1].strip() for line in text.splitlines()
                     if line.startswith("Time stamp:")), "?")
        return True, when


@dataclass
class Outside:
    seq: int
    text: str
    document: dict
    stamped: str | None = None  # the time the TSA's token names, once checked


def _read_outside(where, report) -> list[Outside]:
    """Every anchor in the outside store, checked as a chain: each names the one before
    it, its root hashes its content, and none is missing from the sequence."""
    anchors, prev = [], None
    names = [n for n in where.names() if n.endswith(".json")]
    tokens = {n for n in where.names() if n.endswith(".tsr")}
    for expected, name in enumerate(names, start=1):
        label = f"anchor #{expected}"
        text = where.read(name).decode("utf-8")
        try:
            document = json.loads(text)
        except ValueError:
            report.breaks.append(Break(label, None, f"tệp mốc {name} ở nơi lưu ngoài bị hỏng",
                                       None, None, where=name))
            return anchors
        problems = []
        if name != _name(expected) or document.get("seq") != expected:
            problems.append(f"thiếu mốc trong dãy (gặp {name})")
        if document.get("format") != FORMAT:
            problems.append(f"định dạng lạ {document.get('format')!r}")
        if _anchor_root(document) != document.get("root"):
            problems.append("gốc của mốc không khớp nội dung (tệp bị sửa)")
        if document.get("prev_root") != (prev.document["root"] if prev else None):
            problems.append("không nối vào mốc trước")
        if problems:
            report.breaks.append(Break(label, None, "mốc ở nơi lưu ngoài không hợp lệ: "
                                       + "; ".join(problems), None, None, where=name))
            return anchors
        prev = Outside(expected, text, document)
        anchors.append(prev)
        token_name = name[:-len(".json")] + ".tsr"
        if token_name in tokens and current_app.config.get("AUDIT_TSA_CA_FILE"):
            ok, said = check_stamp(text.encode("ascii"), where.read(token_name))
            if not ok:
                report.breaks.append(Break(label, None, "dấu thời gian của mốc không khớp "
                                           f"nội dung hoặc không do TSA tin cậy cấp: {said}",
                                           None, None, where=token_name))
            prev.stamped = said if ok else None
    return anchors


# -- the state of the record at a watermark ------------------------------------------------


def _chain_leaves(prefixes):
    """Chain kind -> {key: (count, last id, head)}, from a walk's prefixes."""
    leaves = {kind: {} for kind in CHAIN_KINDS}
    for (kind, key), (count, last_id, head, _state) in prefixes.items():
        if kind in leaves:
            leaves[kind][key] = (count, last_id, head)
    return leaves


def _row_leaves(kind, marks, settled):
    """(key, (None, None, digest)) of each covered row of ``kind``, in key order."""
    if kind == "verdict":
        rows = _paged([getattr(Nominee, f) for f in VERDICT_FIELDS], (Nominee.id,))
        fields = VERDICT_FIELDS
    else:
        model, fields, table = ((AwardRecord, AWARD_FIELDS, "award_records") if kind == "award"
                                else (StoredDocument, DOCUMENT_FIELDS, "stored_documents"))
        rows = _paged([getattr(model, f) for f in fields], (model.id,),
                      where=model.id <= marks[table])
    for row in rows:
        if kind == "verdict" and row["dossier_id"] not in settled:
            continue
        yield row["id"], (None, None, row_digest(fields, row))


def _anchored(kind, upto):
    """The leaves of ``kind`` the database's anchors hold up to anchor ``upto``, the latest
    per key, in key order."""
    rows = _paged((AuditAnchorLeaf.key, AuditAnchorLeaf.id, AuditAnchorLeaf.count,
                   AuditAnchorLeaf.last_id, AuditAnchorLeaf.digest),
                  (AuditAnchorLeaf.key, AuditAnchorLeaf.id),
                  where=sa.and_(AuditAnchorLeaf.kind == kind, AuditAnchorLeaf.anchor_id <= upto))
    held = None
    for row in rows:
        if held is not None and held[0] != row["key"]:
            yield held
        held = (row["key"], (row["count"], row["last_id"], row["digest"]))
    if held is not None:
        yield held


def _merge(kind, anchored, current):
    """Walk both sorted leaf streams at once: their roots, how many leaves, and each key
    where they differ (anchored value, current value; None where one has none)."""
    roots = {"anchored": Merkle(), "current": Merkle()}
    diffs = []
    end = object()
    a, c = next(anchored, end), next(current, end)
    while a is not end or c is not end:
        if c is end or (a is not end and a[0] < c[0]):
            roots["anchored"].add(leaf_hash(kind, *a))
            diffs.append((a[0], a[1], None))
            a = next(anchored, end)
        elif a is end or c[0] < a[0]:
            roots["current"].add(leaf_hash(kind, *c))
            diffs.append((c[0], None, c[1]))
            c = next(current, end)
        else:
            roots["anchored"].add(leaf_hash(kind, *a))
            roots["current"].add(leaf_hash(kind, *c))
            if a[1] != c[1]:
                diffs.append((a[0], a[1], c[1]))
            a, c = next(anchored, end), next(current, end)
    return roots["anchored"], roots["current"], diffs


def _walk(marks):
    """The chains walked (their breaks, heads and prefixes at ``marks``), and the
    dossiers whose verdicts were settled by then."""
    report = audit_chain.verify(cutoffs=marks)
    settled = {key for (kind, key), prefix in report.prefixes.items()
               if kind == "dossier" and prefix[3] in VERDICTS_SETTLED}
    return report, settled


def _current(kind, chains, marks, settled):
    if kind in CHAIN_KINDS:
        return iter(sorted(chains[kind].items()))
    return _row_leaves(kind, marks, settled)


def _counts(report, marks):
    """Rows up to each watermark: the chains' links from the walk, the others counted."""
    rows = {"workflow_events": 0, "register_entries": 0}
    for (kind, _key), prefix in report.prefixes.items():
        rows["register_entries" if kind == "register" else "workflow_events"] += prefix[0]
    for table in ("award_records", "stored_documents"):
        model = TABLES[table]
        rows[table] = db.session.scalar(sa.select(sa.func.count(model.id))
                                        .where(model.id <= marks[table]))
    return rows


# -- verifying -----------------------------------------------------------------------------


def _when(document):
    return datetime.fromisoformat(document["created_at"]).strftime("%d/%m/%Y %H:%M")


def _describe(kind, key, anchored, current, seq):
    """A break for one leaf that differs from the anchor, in words."""
    if kind in CHAIN_KINDS:
        label = f"{kind} {key}"
        if anchored is None:
            return Break(label, current[1], f"chuỗi có {current[0]} bản ghi trong phạm vi mốc "
                         f"#{seq} mà mốc không có (bị chèn thêm)", None, current[2])
        count, last_id, head = anchored
        if current is None:
            return Break(label, last_id, f"cả chuỗi đã bị xóa: mốc #{seq} ghi {count} bản ghi, "
                         f"đến bản ghi {last_id}", head, None)
        if current[1] != last_id:
            return Break(label, last_id, f"bản ghi {last_id} (cuối chuỗi khi lập mốc #{seq}) "
                         f"không còn; chuỗi nay dừng ở {current[1]}: bản ghi cuối đã bị xóa "
                         f"và đầu chuỗi bị dời lại", head, current[2])
        return Break(label, last_id, f"chuỗi đã bị viết lại so với mốc #{seq} "
                     f"({count} bản ghi khi lập mốc, nay {current[0]})", head, current[2])
    label, where = f"{LABELS[kind]} {key}", f"{WHERE[kind]} {key}"
    if current is None:
        return Break(label, key, f"đã bị xóa sau mốc #{seq}", anchored[2], None, where=where)
    if anchored is None:
        return Break(label, key, f"bị chèn thêm trong phạm vi mốc #{seq}", None, current[2],
                     where=where)
    return Break(label, key, f"đã bị sửa sau mốc #{seq}", anchored[2], current[2],
                 where=where)


def verify() -> Report:
    """The chains, then every row the last anchor kept outside covers, recomputed and
    compared; each difference named. Differences between the two copies of the anchors
    are breaks too, except an outside anchor the database lacks while its rows match it
    (the database's copy was lost: ``anchor`` puts it back)."""
    where = store()
    recorded = {a.id: a for a in db.session.scalars(sa.select(AuditAnchor))}
    if where is None:
        report = audit_chain.verify()
        if recorded:
            report.breaks.append(Break("anchors", None, "cơ sở dữ liệu có mốc nhưng "
                                       "AUDIT_ANCHOR_URL chưa đặt: không kiểm được", None, None))
        else:
            report.notes.append("no anchor store configured (AUDIT_ANCHOR_URL): "
                                "only the chains were checked")
        return report
    problems = Report()
    try:
        outside = _read_outside(where, problems)
    except Exception as error:  # a store that does not answer is a break, not a traceback
        report = audit_chain.verify()
        report.breaks.insert(0, Break("anchors", None, "không đọc được nơi lưu mốc ngoài "
                                      f"({where.location()}): {error}", None, None))
        return report
    seqs = {o.seq for o in outside}
    for seq in sorted(set(recorded) - seqs):
        problems.breaks.append(Break(f"anchor #{seq}", None, "mốc có trong cơ sở dữ liệu nhưng "
                                     f"không có ở nơi lưu ngoài ({where.location()}): không "
                                     "tin được (thêm bằng SQL, hoặc nơi lưu ngoài bị thay)",
                                     None, recorded[seq].root))
    for o in outside:
        mine = recorded.get(o.seq)
        if mine is not None and mine.document != o.text:
            problems.breaks.append(Break(f"anchor #{o.seq}", None, "bản sao mốc trong cơ sở dữ "
                                         "liệu khác bản ở nơi lưu ngoài (đã bị sửa)",
                                         o.document["root"], mine.root))
    if not outside:
        report = audit_chain.verify()
        report.breaks[:0] = problems.breaks
        report.notes.append(f"no anchor yet in {where.location()}: only the chains were checked")
        return report

    latest = outside[-1]
    document, seq = latest.document, latest.seq
    marks = {table: document["covered"][table]["last_id"] for table in TABLES}
    report, settled = _walk(marks)
    report.breaks[:0] = problems.breaks
    report.anchor = {"seq": seq, "when": _when(document), "location": where.location(),
                     "marks": marks, "missing_here": seq not in recorded,
                     "stamped": latest.stamped}
    if tsa_configured() and latest.stamped is None:
        report.notes.append(f"anchor #{seq} carries no time stamp of the TSA (made before "
                            "AUDIT_TSA_URL was set, or its token is missing)")
    if seq not in recorded:
        report.notes.append(f"anchor #{seq} ({_when(document)}) is kept outside but not in the "
                            "database (restored from an older backup, or its row was lost); "
                            "rows are checked against the outside copy")
    chains = _chain_leaves(report.prefixes)
    upto = max((s for s in recorded if s <= seq), default=0)
    for kind in KINDS:
        kept = document["kinds"][kind]
        anchored, current, diffs = _merge(kind, _anchored(kind, upto),
                                          _current(kind, chains, marks, settled))
        if anchored.root() == kept["root"]:
            report.breaks.extend(_describe(kind, key, a, c, seq) for key, a, c in diffs[:NAMED])
            if len(diffs) > NAMED:
                report.breaks.append(Break(f"{kind} (anchor #{seq})", None, f"và "
                                           f"{len(diffs) - NAMED} bản ghi khác không khớp mốc "
                                           f"(chỉ nêu {NAMED} bản ghi đầu)", None, None))
            continue
        if current.root() == kept["root"]:
            if seq in recorded:
                report.breaks.append(Break(f"anchor #{seq}", None, f"các lá «{kind}» của mốc "
                                           "trong cơ sở dữ liệu đã bị sửa (dữ liệu vẫn khớp "
                                           "bản ở nơi lưu ngoài)", kept["root"],
                                           anchored.root()))
            continue
        report.breaks.append(Break(f"{kind} (anchor #{seq})", None, "dữ liệu trong phạm vi mốc "
                                   "đã bị sửa, xóa hoặc chèn; không chỉ ra được bản ghi vì bản "
                                   "sao mốc trong cơ sở dữ liệu cũng không khớp", kept["root"],
                                   current.root()))
    counts = _counts(report, marks)
    for table, rows in counts.items():
        kept = document["covered"][table]["rows"]
        if rows != kept:
            report.breaks.append(Break(table, None, f"mốc #{seq} ghi {kept} dòng có id đến "
                                       f"{marks[table]}, nay còn {rows}", str(kept), str(rows),
                                       where=f"{table} ≤ {marks[table]}"))
    return report


# -- anchoring -----------------------------------------------------------------------------


def _watermarks():
    """The last id of each covered table, every row up to it committed. On PostgreSQL a
    moment's SHARE lock waits out the transactions still inserting (an id is taken before
    its commit) and holds new ones back until the ids are read; then it is released."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        # give up rather than hold the steps back behind a transaction that never ends
        session.execute(sa.text("SET LOCAL lock_timeout = '60s'"))
        session.execute(sa.text("LOCK TABLE " + ", ".join(TABLES) + " IN SHARE MODE"))
    marks = {table: session.scalar(sa.select(sa.func.coalesce(sa.func.max(model.id), 0)))
             for table, model in TABLES.items()}
    session.commit()
    return marks


@dataclass
class Anchored:
    seq: int
    root: str
    location: str
    marks: dict
    leaves: dict  # kind -> leaves under its root
    added: int  # leaves written to the database (new or moved since the last anchor)
    restored: list  # outside anchors the database lacked, copied back
    stamped: bool  # the TSA stamped it


class AnchorRefused(ServiceError):
    def __init__(self, message, report):
        super().__init__(message, code="anchor_refused")
        self.report = report


def anchor() -> Anchored:
    """A new anchor of everything up to now, after a clean verify: written to the database
    and, once, outside it. Refused while anything is broken (an anchor must never bless a
    tampered record)."""
    where = store()
    if where is None:
        raise ServiceError("Chưa đặt AUDIT_ANCHOR_URL: không có nơi lưu mốc ngoài cơ sở dữ liệu.",
                           code="anchor_store")
    check = verify()
    if not check.intact:
        raise AnchorRefused("Hồ sơ kiểm toán có chỗ hỏng: không lập mốc.", check)
    problems = Report()
    outside = _read_outside(where, problems)
    recorded = set(db.session.scalars(sa.select(AuditAnchor.id)))
    db.session.rollback()
    marks = _watermarks()
    report, settled = _walk(marks)
    if not report.intact:
        raise AnchorRefused("Hồ sơ kiểm toán có chỗ hỏng: không lập mốc.", report)
    seq = (outside[-1].seq if outside else 0) + 1
    restored = []
    for o in outside:  # the outside copy is newer: put the database's copy back first
        if o.seq not in recorded:
            copy = _row(o.seq, o.document, o.text, where.location())
            token = _name(o.seq)[:-len(".json")] + ".tsr"
            if token in where.names():
                copy.tsa_token = where.read(token)
            db.session.add(copy)
            restored.append(o.seq)
    db.session.flush()
    upto = max(recorded, default=0)
    if outside and outside[-1].seq in restored:
        # and its leaves, from the rows as they are (verify found they match its roots),
        # so that the next verify can name a row again
        last = outside[-1]
        then = {table: last.document["covered"][table]["last_id"] for table in TABLES}
        walked, was_settled = _walk(then)
        kinds, _added = _add_leaves(last.seq, upto, _chain_leaves(walked.prefixes), then,
                                    was_settled)
        if kinds != last.document["kinds"]:
            db.session.rollback()
            raise ServiceError(f"Mốc #{last.seq} ở nơi lưu ngoài không khớp dữ liệu: không lập "
                               "mốc.", code="anchor_mismatch")
        upto = last.seq
    document = {"format": FORMAT, "seq": seq, "created_at": now_utc().isoformat(),
                "prev_root": outside[-1].document["root"] if outside else None,
                "covered": {t: {"last_id": m, "rows": None} for t, m in marks.items()},
                "kinds": {}}
    for table, rows in _counts(report, marks).items():
        document["covered"][table]["rows"] = rows
    db.session.add(_row(seq, {**document, "root": "0" * 64}, "", where.location()))
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise ServiceError(f"Mốc #{seq} vừa được lập bởi một lần chạy khác.",
                           code="anchor_exists") from None
    document["kinds"], added = _add_leaves(seq, upto, _chain_leaves(report.prefixes), marks,
                                           settled)
    document["root"] = _anchor_root(document)
    text = _serialise(document)
    row = db.session.get(AuditAnchor, seq)
    row.root, row.document = document["root"], text
    try:
        token = stamp(text.encode("ascii")) if tsa_configured() else None
    except ServiceError:
        db.session.rollback()
        raise
    row.tsa_token = token
    db.session.flush()
    try:
        where.write_once(_name(seq), text.encode("ascii"))
        if token is not None:
            where.write_once(_name(seq)[:-len(".json")] + ".tsr", token)
    except FileExistsError:
        db.session.rollback()
        raise ServiceError(f"Mốc #{seq} đã có ở nơi lưu ngoài ({where.location()}) mà không đọc "
                           "được khi kiểm tra: không ghi đè.", code="anchor_exists") from None
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return Anchored(seq, document["root"], where.location(), marks,
                    {kind: v["leaves"] for kind, v in document["kinds"].items()}, added, restored,
                    token is not None)


def _add_leaves(seq, upto, chains, marks, settled):
    """Write, as anchor ``seq``'s, every leaf at ``marks`` that differs from the database's
    anchors up to ``upto``; the roots of each kind and how many leaves were written."""
    kinds, batch, added = {}, [], 0
    for kind in KINDS:
        _before, current, diffs = _merge(kind, _anchored(kind, upto),
                                         _current(kind, chains, marks, settled))
        kinds[kind] = {"leaves": current.leaves, "root": current.root()}
        for key, _was, now in diffs:
            if now is None:
                continue  # never once verify passed: an anchored leaf does not go away
            batch.append({"anchor_id": seq, "kind": kind, "key": key, "count": now[0],
                          "last_id": now[1], "digest": now[2]})
            added += 1
            if len(batch) >= CHUNK:
                db.session.execute(sa.insert(AuditAnchorLeaf), batch)
                batch = []
    if batch:
        db.session.execute(sa.insert(AuditAnchorLeaf), batch)
    return kinds, added


def _row(seq, document, text, location):
    return AuditAnchor(id=seq, created_at=datetime.fromisoformat(document["created_at"]),
                       root=document["root"], prev_root=document.get("prev_root"),
                       document=text, location=location)


def anchored_upto(table) -> int:
    """The last id of ``table`` the database's latest anchor covers (0 when none): rows up
    to it are sealed, and an anchored leaf never goes away (``_add_leaves``)."""
    document = db.session.scalar(sa.select(AuditAnchor.document)
                                 .where(AuditAnchor.document != "")
                                 .order_by(AuditAnchor.id.desc()).limit(1))
    if not document:
        return 0
    return int(json.loads(document)["covered"][table]["last_id"])
