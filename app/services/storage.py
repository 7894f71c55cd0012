"""Uploaded files on disk under the instance folder, named by random keys.

The stored name never comes from the user, so no file name can reach outside
the folder; the original name is kept in the database for downloads.
"""
import hashlib
import io
import os
import secrets
import unicodedata
import zipfile
from pathlib import Path
from urllib.parse import quote

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
    check_content(data, ext)
    key = f"{secrets.token_hex(16)}.{ext}"
    path = _root() / key
    with open(path, "xb") as fh:
        fh.write(data)
    return name, ext, CONTENT_TYPES[ext], len(data), hashlib.sha256(data).hexdigest(), key


# Shown in the browser's own viewer; everything else is only downloaded.
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})


def content_disposition(filename: str, inline: bool = False) -> str:
    """Content-Disposition for a Vietnamese file name: an ASCII fallback, and the real name
    as RFC 5987 ``filename*=UTF-8''…`` (a header must be Latin-1 on the wire)."""
    simple = unicodedata.normalize("NFKD", filename.replace("Đ", "D").replace("đ", "d"))
    simple = simple.encode("ascii", "ignore").decode("ascii").replace('"', "").replace("\\", "")
    return (f'{"inline" if inline else "attachment"}; filename="{simple}"; '
            f"filename*=UTF-8''{quote(filename, safe='!#$&+-.^_`|~')}")


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
