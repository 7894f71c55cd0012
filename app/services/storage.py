"""Uploaded files on disk under the instance folder, named by random keys.

The stored name never comes from the user, so no file name can reach outside
the folder; the original name is kept in the database for downloads.
"""
import hashlib
import os
import secrets
import unicodedata
from pathlib import Path

from flask import current_app

from app.services.errors import Invalid

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


def clean_filename(name: str) -> str:
    """Keep a readable Vietnamese name but no directory parts or control characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    return name[-200:] or "tep-dinh-kem"


def _root() -> Path:
    root = Path(current_app.config["UPLOAD_FOLDER"])
    root.mkdir(parents=True, exist_ok=True)
    return root


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
    if not data:
        raise Invalid("Tệp tải lên rỗng.", details={"file": ["Tệp rỗng."]}, code="file_empty")
    if not data.startswith(SIGNATURES[ext]):
        raise Invalid(f"Nội dung tệp không đúng định dạng «.{ext}».",
                      details={"file": ["Nội dung không khớp phần mở rộng."]}, code="file_content")
    key = f"{secrets.token_hex(16)}.{ext}"
    path = _root() / key
    with open(path, "xb") as fh:
        fh.write(data)
    return name, ext, CONTENT_TYPES[ext], len(data), hashlib.sha256(data).hexdigest(), key


def path_of(key: str) -> Path:
    root = _root().resolve()
    path = (root / key).resolve()
    if not path.is_relative_to(root):
        raise Invalid("Khóa lưu trữ không hợp lệ.", code="bad_key")
    return path


def read(key: str) -> bytes:
    return path_of(key).read_bytes()


def write_new(key: str, data: bytes) -> None:
    """Write a file that must not exist yet (keys are random: a clash is a bug)."""
    path = path_of(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "xb") as fh:
        fh.write(data)


def remove(key: str):
    try:
        os.remove(path_of(key))
    except FileNotFoundError:
        pass
