"""Stored files (uploads, kept documents, signed scans) behind one interface, two backends.

Local disk under the instance folder is the embedded default; ``STORAGE_URL=s3://bucket/prefix``
selects S3-compatible object storage (boto3: AWS, MinIO, …), which several servers share.
Services call the functions of this module and never know which backend answers.

Keys are random and never come from the user, so no file name can reach outside the folder
or the prefix; the original name is kept in the database for downloads.
"""
import hashlib
import io
import secrets
import unicodedata
import zipfile
from pathlib import Path
from urllib.parse import quote

from flask import current_app

from app.services.errors import Invalid, ServiceError
from app.services.storage_backends import Backend, LocalBackend

# Leading bytes of each accepted kind: a file must be what its name says.
SIGNATURES = {
    "pdf": (b"%PDF-",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "odt": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
}


# Office documents are zip archives: a small file can expand to gigabytes (a zip bomb)
# in whatever opens it. A real dossier paper has tens of members and a few MiB inside.
ZIP_KINDS = {"docx", "xlsx", "odt"}
ZIP_MAX_MEMBERS = 1000
ZIP_MAX_EXPANDED = 100 * 1024 * 1024
ZIP_MAX_RATIO = 200  # per member: text compresses well, but not a thousandfold


def _check_zip(data: bytes, ext: str):
    """Refuse an archive that is broken, has too many members, or expands too far. The
    sizes are read from the archive's directory, then enforced while reading, since the
    directory may lie."""
    def refuse(reason):
        raise Invalid(f"Tệp «.{ext}» không hợp lệ: {reason}",
                      details={"file": [reason]}, code="file_content")

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        refuse("tệp nén bị hỏng.")
    if len(members) > ZIP_MAX_MEMBERS:
        refuse(f"có quá nhiều thành phần ({len(members)}, tối đa {ZIP_MAX_MEMBERS}).")
    declared = sum(m.file_size for m in members)
    if declared > ZIP_MAX_EXPANDED:
        refuse(f"nội dung giải nén quá lớn (tối đa {ZIP_MAX_EXPANDED // 1024 // 1024} MiB).")
    total = 0
    try:
        for member in members:
            limit = min(ZIP_MAX_EXPANDED - total, max(member.compress_size, 1024) * ZIP_MAX_RATIO
                        + 1024 * 1024)
            with archive.open(member) as fh:
                while chunk := fh.read(64 * 1024):
                    total += len(chunk)
                    limit -= len(chunk)
                    if limit < 0:
                        refuse("nội dung giải nén quá lớn so với tệp (nghi là tệp nén độc hại).")
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, OSError,
            ValueError):
        refuse("tệp nén bị hỏng.")


def check_content(data: bytes, ext: str):
    """Refuse an empty file, one whose bytes are not what its extension says, and an
    Office archive that is broken or a zip bomb."""
    if not data:
        raise Invalid("Tệp tải lên rỗng.", details={"file": ["Tệp rỗng."]}, code="file_empty")
    if not data.startswith(SIGNATURES[ext]):
        raise Invalid(f"Nội dung tệp không đúng định dạng «.{ext}».",
                      details={"file": ["Nội dung không khớp phần mở rộng."]}, code="file_content")
    if ext in ZIP_KINDS:
        _check_zip(data, ext)


def clean_filename(name: str) -> str:
    """Keep a readable Vietnamese name but no directory parts or control characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    return name[-200:] or "tep-dinh-kem"


# Shown in the browser's own viewer; everything else is only downloaded.
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})


def content_disposition(filename: str, inline: bool = False) -> str:
    """Content-Disposition for a Vietnamese file name: an ASCII fallback, and the real name
    as RFC 5987 ``filename*=UTF-8''…`` (a header must be Latin-1 on the wire)."""
    simple = unicodedata.normalize("NFKD", filename.replace("Đ", "D").replace("đ", "d"))
    simple = simple.encode("ascii", "ignore").decode("ascii").replace('"', "").replace("\\", "")
    return (f'{"inline" if inline else "attachment"}; filename="{simple}"; '
            f"filename*=UTF-8''{quote(filename, safe='!#$&+-.^_`|~')}")


class Corrupted(ServiceError):
    """A stored file whose bytes no longer hash to what the database kept: never served."""

    status = 500

    def __init__(self, key, expected, actual):
        # The operator must hear of it even if the person only sees an error page.
        current_app.logger.error("stored file %s fails its SHA-256 check: expected %s, found %s",
                                 key, expected, actual)
        super().__init__(
            "Tệp lưu trữ đã bị thay đổi hoặc hỏng (mã băm SHA-256 không khớp): không thể cung "
            "cấp. Hãy báo quản trị hệ thống khôi phục từ bản sao lưu.",
            details={"key": key, "expected_sha256": expected, "actual_sha256": actual},
            code="stored_file_corrupted")


class Opened:
    """A stored file ready to send: an open binary file (``fileobj``, ``size``), or, with
    presigned downloads, ``url(...)`` gives a short-lived address of the bytes."""

    def __init__(self, fileobj, size, store, key):
        self.fileobj, self.size, self._store, self.key = fileobj, size, store, key

    @property
    def redirect(self) -> bool:
        return self.fileobj is None

    def url(self, filename, content_type, inline=False) -> str:
        return self._store.presigned_url(self.key, content_disposition(filename, inline),
                                         content_type)


def save_upload(stream, filename: str):
    """Check and store an upload; returns (clean name, extension, content type, size, sha256, key)."""
    name = clean_filename(filename)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = {e.strip() for e in current_app.config["UPLOAD_ALLOWED_EXTENSIONS"].split(",")}
    if ext not in allowed or ext not in SIGNATURES:
        raise Invalid(
            f"Loại tệp «.{ext}» không được chấp nhận. Chấp nhận: {', '.join(sorted(allowed))}.",
            details={"file": ["Loại tệp không được chấp nhận."]}, code="file_type")
    data = stream.read()
    check_content(data, ext)
    key = f"{secrets.token_hex(16)}.{ext}"
    sha = write_new(key, data)
    return name, ext, CONTENT_TYPES[ext], len(data), sha, key


def backend() -> Backend:
    """This app's backend, built from its configuration (again if the configuration changed)."""
    config = current_app.config
    wanted = (config.get("STORAGE_URL") or "", config["UPLOAD_FOLDER"],
              config.get("STORAGE_S3_ENDPOINT_URL"), config.get("STORAGE_S3_REGION"),
              config.get("STORAGE_S3_ACCESS_KEY_ID"))
    held = current_app.extensions.get("tdkt_storage")
    if held is None or held[0] != wanted:
        held = (wanted, build(config))
        current_app.extensions["tdkt_storage"] = held
    return held[1]


def forget_in_child() -> object:
    """In a forked child (app.services.isolation): the next call builds the backend anew, so
    the child opens its own connections (an S3 client's pooled HTTP connections are the
    parent's sockets). Returns the parent's, for the child to keep referenced, unclosed."""
    return current_app.extensions.pop("tdkt_storage", None)


def build(config, url=None) -> Backend:
    """The backend a configuration names (``url`` overrides its STORAGE_URL)."""
    url = (config.get("STORAGE_URL") or "" if url is None else url).strip()
    if not url:
        return LocalBackend(Path(config["UPLOAD_FOLDER"]))
    if url.startswith("file://"):
        return LocalBackend(Path(url[len("file://"):]))
    if url.startswith("s3://"):
        from app.services.storage_backends import S3Backend

        bucket, _, prefix = url[len("s3://"):].partition("/")
        return S3Backend(bucket, prefix.strip("/"),
                         endpoint_url=config.get("STORAGE_S3_ENDPOINT_URL"),
                         region=config.get("STORAGE_S3_REGION"),
                         access_key=config.get("STORAGE_S3_ACCESS_KEY_ID"),
                         secret_key=config.get("STORAGE_S3_SECRET_ACCESS_KEY"),
                         presign_seconds=config.get("STORAGE_PRESIGNED_SECONDS", 300))
    raise ValueError(f"STORAGE_URL must be empty, file:///path or s3://bucket/prefix, not {url!r}")


def check_key(key: str) -> str:
    # Keys are made here ("<hex>.<ext>", "documents/<kind>-<id>-…"): anything climbing out
    # or absolute is a bug or an attack, on either backend.
    if not key or key.startswith("/") or "\\" in key or ".." in key.split("/"):
        raise Invalid("Khóa lưu trữ không hợp lệ.", code="bad_key")
    return key


def write_new(key: str, data: bytes) -> str:
    """Write a file that must not exist yet (keys are random: a clash is a bug); returns
    its SHA-256."""
    sha = hashlib.sha256(data).hexdigest()
    backend().write_new(check_key(key), data, sha)
    return sha


def read(key: str, sha256: str | None = None) -> bytes:
    """The whole file; checked against ``sha256`` when given (mail attachments)."""
    data = backend().read(check_key(key))
    if sha256 is not None:
        actual = hashlib.sha256(data).hexdigest()
        if actual != sha256:
            raise Corrupted(key, sha256, actual)
    return data


def open_checked(key: str, sha256: str) -> Opened:
    """A stored file ready to stream, its SHA-256 checked against the one the database
    kept *before* a byte is sent: a file changed in storage is refused, never served.

    With presigned downloads on (S3 only), no bytes pass through this process: the
    object's recorded SHA-256 is compared and a short-lived URL handed out instead.
    """
    store = backend()
    check_key(key)
    if current_app.config.get("STORAGE_PRESIGNED_DOWNLOADS") and store.presigns:
        recorded = store.recorded_sha256(key)
        if recorded != sha256:
            raise Corrupted(key, sha256, recorded)
        return Opened(None, None, store, key)
    fh, size, actual = store.open_hashed(key)
    if actual != sha256:
        fh.close()
        raise Corrupted(key, sha256, actual)
    return Opened(fh, size, store, key)


def exists(key: str) -> bool:
    return backend().exists(check_key(key))


def keys() -> list[str]:
    """Every stored key, sorted (tests, the migration, backups)."""
    return sorted(backend().keys())


def remove(key: str):
    backend().remove(check_key(key))




def path_of(key: str) -> Path:
    """The file of ``key`` under UPLOAD_FOLDER (the local backend's place)."""
    return LocalBackend(Path(current_app.config["UPLOAD_FOLDER"])).path_of(check_key(key))


def location() -> str:
    """Where this app keeps its files (a folder or a bucket), for messages and manifests."""
    return backend().location()


def check() -> None:
    """For /readyz: the store is there and takes writes; raises (with why) when it does not."""
    backend().ping()
