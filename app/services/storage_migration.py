"""Moving an installation's files from the local folder to the configured object storage.

Every file is hashed on the way out and read back from the target to be hashed again; a
file the database knows must match the SHA-256 the database kept. Running it again copies
nothing twice: an object already there with the right hash is only counted.
"""
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.models import Attachment, StoredDocument
from app.services import storage
from app.services.errors import Invalid
from app.services.storage_backends import LocalBackend, _sha256_of


@dataclass
class MigrationReport:
    copied: int = 0
    already: int = 0  # in the target with the right hash (a run before this one)
    not_in_database: int = 0  # copied too, but no row names them (left by an old failure)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _known_hashes() -> dict[str, str]:
    """{storage key: SHA-256} of every file a row refers to: two queries, two columns."""
    known = {}
    for model in (Attachment, StoredDocument):
        known.update(db.session.execute(sa.select(model.storage_key, model.sha256)).all())
    return known


def migrate_local_files(source: str | None = None) -> MigrationReport:
    target = storage.backend()
    source_store = LocalBackend(Path(source or current_app.config["UPLOAD_FOLDER"]))
    if isinstance(target, LocalBackend):
        raise Invalid("STORAGE_URL chưa trỏ tới kho lưu trữ S3 (s3://bucket/prefix): không có "
                      "nơi để chuyển tệp đến.", code="storage_not_s3")
    known = _known_hashes()
    report = MigrationReport()
    local_keys = set(source_store.keys())
    for key in sorted(local_keys):
        with open(source_store.path_of(key), "rb") as fh:
            local_sha = _sha256_of(fh)
        expected = known.get(key)
        if expected is not None and local_sha != expected:
            report.problems.append(f"{key}: the local file does not match the database's "
                                   f"SHA-256 (expected {expected}, found {local_sha}); not copied")
            continue
        if target.exists(key):
            if _target_sha(target, key) == local_sha:
                report.already += 1
            else:
                report.problems.append(f"{key}: a different object with this key is already "
                                       "in the target; not overwritten")
            continue
        data = source_store.read(key)
        if hashlib.sha256(data).hexdigest() != local_sha:
            report.problems.append(f"{key}: changed while being copied; run again")
            continue
        target.write_new(key, data, local_sha)
        if _target_sha(target, key) != local_sha:
            report.problems.append(f"{key}: the copy in the target does not match; check the store")
            continue
        report.copied += 1
        if expected is None:
            report.not_in_database += 1
    for key in sorted(set(known) - local_keys):
        if not target.exists(key):
            report.problems.append(f"{key}: named in the database but neither in the folder "
                                   "nor in the target")
    return report


def _target_sha(target, key) -> str:
    fh, _size, sha = target.open_hashed(key)
    fh.close()
    return sha
