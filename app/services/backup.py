"""Backups that restore: a consistent copy of the database and of every stored file, with a
manifest of their SHA-256, and the way back into an empty installation.

The database copy is the engine's own: SQLite's online backup API (a consistent copy
while the app runs), PostgreSQL's ``pg_dump`` in custom format, taken in a snapshot
exported from the same transaction that lists the files, so the files are exactly those
the copy references. Files are read and written only through app/services/storage.py,
whatever backend it uses: a backup of an installation on S3 holds every object the
database references, and a restore writes them into the target's own store (folder or
bucket), whichever kind it is. Objects in the bucket that no row references are not
copied. The manifest names the store the files came from.

A backup directory holds ``db.sqlite3`` or ``db.dump``, ``files/<storage key>`` and
``manifest.json`` (written last: a directory without it is not a backup).
"""
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa

from app.clock import now_utc
from app.extensions import db
from app.models import Attachment, StoredDocument
from app.services import storage
from app.services.errors import Conflict, Invalid

FORMAT = 1
MANIFEST = "manifest.json"
DB_FILES = {"sqlite": "db.sqlite3", "postgresql": "db.dump"}
CHUNK = 1024 * 1024


def _sha256_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _kind() -> str:
    name = db.engine.url.get_backend_name()
    if name not in DB_FILES:
        raise Invalid(f"Không hỗ trợ sao lưu cơ sở dữ liệu loại «{name}».", code="backup_db_kind")
    return name


def _stored_files_query():
    """Every file the database references: attachments, kept documents and signed scans."""
    return sa.union_all(
        sa.select(Attachment.storage_key.label("key"), Attachment.sha256, Attachment.size),
        sa.select(StoredDocument.storage_key, StoredDocument.sha256, StoredDocument.size),
    ).order_by("key")


def _libpq(url) -> tuple[str, dict]:
    """The SQLAlchemy URL as pg_dump/pg_restore take it (the password in the environment,
    never on the command line)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    return url.set(drivername="postgresql", password=None).render_as_string(
        hide_password=False), env


def _tool(name) -> str:
    path = shutil.which(name)
    if path is None:
        raise Invalid(f"Không tìm thấy lệnh «{name}» (gói postgresql-client) trên máy này.",
                      code="backup_tool_missing")
    return path


def _run(args, env):
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise Invalid(f"«{Path(args[0]).name}» thất bại: {done.stderr.strip()[-2000:]}",
                      code="backup_tool_failed")


def _revision(conn) -> str | None:
    try:
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.DBAPIError:
        return None


def _target(directory) -> Path:
    target = Path(directory)
    if target.exists() and any(target.iterdir()):
        raise Conflict(f"Thư mục «{target}» đã có dữ liệu: hãy chọn một thư mục mới hoặc rỗng.",
                       code="backup_dir_not_empty")
    target.mkdir(parents=True, exist_ok=True)
    return target


def _dump_database(kind, out: Path) -> tuple[list, str | None]:
    """Copy the database to ``out``; returns the stored files it references and its
    migration revision, both read from the same state as the copy."""
    db.session.remove()
    if kind == "sqlite":
        source = sqlite3.connect(db.engine.url.database)
        copy = sqlite3.connect(out)
        try:
            with copy:
                source.backup(copy)
        finally:
            source.close()
            copy.close()
        engine = sa.create_engine(f"sqlite:///{out}")
        try:
            with engine.connect() as conn:
                return conn.execute(_stored_files_query()).all(), _revision(conn)
        finally:
            engine.dispose()
    # PostgreSQL: one REPEATABLE READ transaction exports its snapshot to pg_dump and
    # lists the files in it.
    url, env = _libpq(db.engine.url)
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        with conn.begin():
            snapshot = conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar()
            _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                  f"--snapshot={snapshot}", f"--file={out}", f"--dbname={url}"], env)
            return conn.execute(_stored_files_query()).all(), _revision(conn)


def _file_path(root: Path, key: str) -> Path:
    """Where a stored file lives in a backup; a key never reaches outside ``files/``."""
    base = (root / "files").resolve()
    path = (base / key).resolve()
    if not path.is_relative_to(base) or path == base:
        raise Invalid(f"Khóa lưu trữ không hợp lệ trong bản sao lưu: «{key}».",
                      code="backup_bad_key")
    return path


def create(directory) -> dict:
    """Write a backup of the database and every stored file into ``directory`` (new or
    empty); returns the manifest."""
    kind = _kind()
    root = _target(directory)
    db_path = root / DB_FILES[kind]
    files, revision = _dump_database(kind, db_path)
    listed, wrong = [], []
    for key, sha, size in files:
        data = storage.read(key)
        found = hashlib.sha256(data).hexdigest()
        if found != sha or len(data) != size:
            wrong.append(key)
        path = _file_path(root, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        listed.append({"key": key, "sha256": found, "size": len(data)})
    if wrong:
        raise Conflict(f"{len(wrong)} tệp đã lưu không còn khớp mã băm SHA-256 ghi trong cơ sở "
                       f"dữ liệu: {', '.join(wrong[:10])}.", details={"files": wrong},
                       code="backup_file_changed")
    db_sha, db_size = _sha256_file(db_path)
    manifest = {
        "format": FORMAT, "created_at": now_utc().isoformat() + "Z",
        "alembic_revision": revision,
        "db": {"kind": kind, "file": db_path.name, "sha256": db_sha, "size": db_size},
        "storage": storage.location(),
        "files": listed,
    }
    partial = root / (MANIFEST + ".part")
    partial.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    partial.rename(root / MANIFEST)
    return manifest


# -- restoring ------------------------------------------------------------------------------


def read_manifest(directory) -> tuple[Path, dict]:
    """The backup's manifest, after checking every hash it lists against the directory."""
    root = Path(directory)
    try:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise Invalid(f"«{root}» không phải là bản sao lưu (thiếu hoặc hỏng {MANIFEST}).",
                      code="backup_no_manifest") from None
    if manifest.get("format") != FORMAT:
        raise Invalid("Bản sao lưu có định dạng không hỗ trợ.", code="backup_format")
    wrong = []
    db_file = root / Path(manifest["db"]["file"]).name
    if not db_file.is_file() or _sha256_file(db_file) != (manifest["db"]["sha256"],
                                                          manifest["db"]["size"]):
        wrong.append(db_file.name)
    for f in manifest["files"]:
        path = _file_path(root, f["key"])
        if not path.is_file() or _sha256_file(path) != (f["sha256"], f["size"]):
            wrong.append(f["key"])
    if wrong:
        raise Invalid(f"Bản sao lưu bị hỏng: {len(wrong)} tệp không khớp mã băm "
                      f"({', '.join(wrong[:10])}).", details={"files": wrong},
                      code="backup_corrupt")
    return root, manifest


def _holds_data() -> list[str]:
    """The tables of this installation that hold rows (an empty one holds none but the
    migration's own)."""
    names = [n for n in sa.inspect(db.engine).get_table_names() if n != "alembic_version"]
    full = []
    with db.engine.connect() as conn:
        for name in names:
            table = sa.table(name)
            if conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first():
                full.append(name)
    return full


def _load_database(kind, db_file: Path):
    db.session.remove()
    db.engine.dispose()  # no connection of ours holds a lock on what is replaced
    if kind == "sqlite":
        source = sqlite3.connect(db_file)
        target = sqlite3.connect(db.engine.url.database)
        try:
            with target:
                source.backup(target)
        finally:
            source.close()
            target.close()
    else:
        url, env = _libpq(db.engine.url)
        _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", "--exit-on-error", f"--dbname={url}", str(db_file)], env)
    db.engine.dispose()


def _restore_file(key, data, sha, force):
    try:
        storage.write_new(key, data)
    except FileExistsError:
        if hashlib.sha256(storage.read(key)).hexdigest() == sha:
            return
        if not force:
            raise Conflict(f"Tệp «{key}» đã có trong kho lưu trữ với nội dung khác.",
                           code="restore_file_exists") from None
        storage.remove(key)
        storage.write_new(key, data)


def restore(directory, *, force=False) -> dict:
    """Bring a backup back into this installation: check the manifest, refuse a database
    that holds data (unless ``force``), load the database and the files, check again."""
    root, manifest = read_manifest(directory)
    kind = _kind()
    if manifest["db"]["kind"] != kind:
        raise Invalid(f"Bản sao lưu là cơ sở dữ liệu {manifest['db']['kind']}, còn cài đặt "
                      f"này dùng {kind}.", code="backup_db_kind")
    full = _holds_data()
    if full and not force:
        raise Conflict(f"Cơ sở dữ liệu đích đã có dữ liệu ({', '.join(full[:5])}"
                       f"{', …' if len(full) > 5 else ''}). Chỉ khôi phục vào một cài đặt "
                       "trống, hoặc dùng --force để ghi đè.", details={"tables": full},
                       code="restore_target_not_empty")
    _load_database(kind, root / manifest["db"]["file"])
    for f in manifest["files"]:
        _restore_file(f["key"], _file_path(root, f["key"]).read_bytes(), f["sha256"], force)
    return check_restored(manifest)


def check_restored(manifest) -> dict:
    """After a restore: the database references exactly the manifest's files, each read
    back through storage with its hash; the migration revision is the backup's."""
    with db.engine.connect() as conn:
        rows = conn.execute(_stored_files_query()).all()
        revision = _revision(conn)
    listed = {f["key"]: f["sha256"] for f in manifest["files"]}
    problems = []
    if {key: sha for key, sha, _size in rows} != listed:
        problems.append("danh sách tệp trong cơ sở dữ liệu khác với bản kê")
    if revision != manifest["alembic_revision"]:
        problems.append(f"phiên bản lược đồ {revision} khác {manifest['alembic_revision']}")
    for key, sha in listed.items():
        if hashlib.sha256(storage.read(key)).hexdigest() != sha:
            problems.append(f"tệp {key} đọc lại không khớp mã băm")
    if problems:
        raise Conflict("Khôi phục chưa đúng: " + "; ".join(problems[:10]) + ".",
                       details={"problems": problems}, code="restore_check_failed")
    return {"files": len(listed), "revision": revision, "storage": storage.location()}
