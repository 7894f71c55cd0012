"""Issue 14: backups that restore. A populated system (the demo, and a campaign driven
through plan, dossier with uploads, an issued decision with its kept documents and the
signed scan) is backed up with `flask backup create`, restored with `flask backup restore`
into another installation (another database, another upload folder), and every item,
event, document hash and file is there; its audit chains verify."""
import hashlib
import io
import json
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.models import Attachment, StoredDocument, User, WorkflowEvent
from app.services import decisions, storage
from app.services.demo import load_demo
from tests import helpers
from tests.conftest import ON_POSTGRES, ON_S3, PG_URL
from tests.docgen.support import SYT_NOMINEES, appraised, approve, issue, new_decision

pytestmark = pytest.mark.storage  # run again with S3 by `make test-s3`

# The helpers' roles, played by the demo's people.
DEMO_PEOPLE = {"staff_a": "canbo.syt", "head_a": "thutruong.syt", "staff_b": "canbo.pdk",
               "head_b": "thutruong.pdk", "appraiser": "chuyenvien.btdkt",
               "board_head": "truongban.btdkt", "chairman": "chutich", "clerk": "vanthu.vp",
               "admin": "quantri"}


def _populate():
    load_demo()
    users = {role: db.session.scalars(sa.select(User).where(User.username == name)).one()
             for role, name in DEMO_PEOPLE.items()}
    world = SimpleNamespace(users=users)
    campaign = helpers.make_campaign(world, signer="chutich", launch_recipients="LS-PHATDONG",
                                     decision_recipients="LS-QDKT")
    plan = helpers.complete_plan(world, campaign)
    helpers.fire(world, "plan", plan, "staff_a", "submit")
    helpers.fire(world, "plan", plan, "head_a", "sign_off")
    dossier = appraised(world, campaign, "SYT", "staff_a", "head_a", SYT_NOMINEES)
    decision = approve(world, new_decision(world, campaign, [n.id for n in dossier.nominees]))
    decisions.attach_signed_scan(users["clerk"], decision.id, io.BytesIO(helpers.PDF),
                                 "quyet-dinh-da-ky.pdf", decision.version)
    issue(world, decision)
    return campaign


def _facts():
    """What must come back: every table's row count, every event with its chain link,
    every stored file with its hash."""
    counts = {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
              for t in db.metadata.sorted_tables}
    events = db.session.execute(sa.select(
        WorkflowEvent.id, WorkflowEvent.item_type, WorkflowEvent.item_id, WorkflowEvent.trigger,
        WorkflowEvent.record_sha256).order_by(WorkflowEvent.id)).all()
    documents = db.session.execute(sa.select(
        StoredDocument.item_type, StoredDocument.item_id, StoredDocument.name,
        StoredDocument.sha256, StoredDocument.storage_key).order_by(StoredDocument.id)).all()
    attachments = db.session.execute(sa.select(
        Attachment.id, Attachment.sha256, Attachment.storage_key).order_by(Attachment.id)).all()
    files = {key: hashlib.sha256(storage.read(key)).hexdigest()
             for *_, key in [*documents, *attachments]}
    return {"counts": counts, "events": [tuple(e) for e in events],
            "documents": [tuple(d) for d in documents],
            "attachments": [tuple(a) for a in attachments], "files": files}


def _other_installation(tmp_path, s3_server=None):
    """A second installation: its own database and its own storage (upload folder, or a
    new bucket of the S3 server under `make test-s3`), migrated and empty."""
    if ON_POSTGRES:
        base = sa.engine.make_url(PG_URL)
        name = f"{base.database}_restore"
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                {"n": name}).first():
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        uri = db.engine.url.set(database=name).render_as_string(hide_password=False)
    else:
        uri = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    storage_config = s3_server.app_config(s3_server.new_bucket()) if s3_server else {}
    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "x",
                        "UPLOAD_FOLDER": str(tmp_path / "restored-uploads"), **storage_config})
    with other.app_context():
        if ON_POSTGRES:
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        from flask_migrate import upgrade

        upgrade()
        db.session.remove()
    return other


@pytest.fixture
def other_s3(request):
    """Under `make test-s3` the other installation keeps its files in its own bucket."""
    return request.getfixturevalue("s3_server") if ON_S3 else None


@pytest.fixture
def populated(app, ctx):
    _populate()
    db.session.commit()
    return _facts()


def test_a_backup_restores_into_another_installation(app, populated, tmp_path, other_s3):
    backup_dir = tmp_path / "backup"
    result = app.test_cli_runner().invoke(args=["backup", "create", str(backup_dir)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((backup_dir / "manifest.json").read_text(encoding="utf-8"))
    # the backup says which store its files came from: this installation's folder or bucket
    source = storage.location()
    assert manifest["storage"] == source and f"files from {source}," in result.output
    assert source.startswith("s3://" if ON_S3 else "file://")
    assert manifest["db"]["kind"] == ("postgresql" if ON_POSTGRES else "sqlite")
    assert manifest["alembic_revision"]
    assert {f["key"]: f["sha256"] for f in manifest["files"]} == populated["files"]
    kinds = {d[2] for d in populated["documents"]}
    assert {"decision", "decision_signed"} <= kinds and populated["attachments"]

    other = _other_installation(tmp_path, other_s3)
    assert other.config["UPLOAD_FOLDER"] != app.config["UPLOAD_FOLDER"]
    with other.app_context():
        target = storage.location()
        assert target != source and not storage.keys()
        restored = other.test_cli_runner().invoke(args=["backup", "restore", str(backup_dir)])
        assert restored.exit_code == 0, restored.output
        assert f"{len(populated['files'])} files into {target}," in restored.output
        assert sorted(storage.keys()) == sorted(populated["files"])
        assert _facts() == populated
        verified = other.test_cli_runner().invoke(args=["audit", "verify"])
        assert verified.exit_code == 0 and "chains intact" in verified.output, verified.output

        # an installation that holds data is refused, unless told to replace it
        again = other.test_cli_runner().invoke(args=["backup", "restore", str(backup_dir)])
        assert again.exit_code == 2 and "đã có dữ liệu" in again.output
        forced = other.test_cli_runner().invoke(
            args=["backup", "restore", str(backup_dir), "--force"])
        assert forced.exit_code == 0, forced.output
        assert _facts() == populated
        db.session.remove()
        db.engine.dispose()


def test_a_damaged_backup_is_refused_before_anything_is_touched(app, populated, tmp_path,
                                                                other_s3):
    backup_dir = tmp_path / "backup"
    assert app.test_cli_runner().invoke(args=["backup", "create", str(backup_dir)]).exit_code == 0
    manifest = json.loads((backup_dir / "manifest.json").read_text(encoding="utf-8"))
    key = manifest["files"][0]["key"]
    (backup_dir / "files" / key).write_bytes(b"%PDF-1.4 changed")
    other = _other_installation(tmp_path, other_s3)
    with other.app_context():
        result = other.test_cli_runner().invoke(args=["backup", "restore", str(backup_dir)])
        assert result.exit_code == 2 and "bị hỏng" in result.output and key in result.output
        assert db.session.scalar(sa.select(sa.func.count(WorkflowEvent.id))) == 0
        assert not storage.keys()
        db.session.remove()
        db.engine.dispose()
    # and a directory that already holds something is not written into
    again = app.test_cli_runner().invoke(args=["backup", "create", str(backup_dir)])
    assert again.exit_code == 2 and "đã có dữ liệu" in again.output
