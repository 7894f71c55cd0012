"""Files behind the storage interface: a file changed in storage is refused, presigned
downloads from S3, and `flask storage migrate` from the local folder to S3 (moto's real
S3 server on 127.0.0.1)."""
import hashlib
import io
import urllib.request

import pytest
import sqlalchemy as sa
from werkzeug.http import parse_options_header

from app.extensions import db
from app.models import Attachment, StoredDocument
from app.services import storage
from app.services.errors import Invalid
from tests import helpers
from tests.docgen.support import signed_plan

API = "/api/v1"


@pytest.fixture
def fresh_s3(app, s3_server, tmp_path):
    """Point the app at a new, empty bucket for this test (whatever the run uses), and
    put the settings back afterwards: the storage backend follows the configuration."""
    keys = ("STORAGE_URL", "STORAGE_S3_ENDPOINT_URL", "STORAGE_S3_REGION",
            "STORAGE_S3_ACCESS_KEY_ID", "STORAGE_S3_SECRET_ACCESS_KEY", "UPLOAD_FOLDER",
            "STORAGE_PRESIGNED_DOWNLOADS")
    saved = {key: app.config.get(key) for key in keys}
    bucket = s3_server.new_bucket()
    s3 = s3_server.app_config(bucket, prefix="tdkt")

    def use(where):
        app.config.update(STORAGE_URL="", UPLOAD_FOLDER=str(tmp_path / "uploads"))
        if where == "s3":
            app.config.update(s3)

    use("s3")
    yield use
    app.config.update(saved)


def _tamper(key, data):
    """Change a stored file behind the application's back, wherever it is kept."""
    backend = storage.backend()
    if helpers.storage_on_s3():
        backend.client.put_object(Bucket=backend.bucket, Key=backend._name(key), Body=data)
    else:
        storage.path_of(key).write_bytes(data)


def _one(model, **where):
    db.session.expire_all()
    return db.session.scalars(sa.select(model).filter_by(**where)).one()


@pytest.mark.storage
def test_a_file_changed_in_storage_is_refused_not_served(world, api, client):
    campaign = helpers.make_campaign(world)
    plan = signed_plan(world, campaign)
    staff = api("staff_a")
    kept = _one(StoredDocument, item_type="plan", item_id=plan.id, name="plan")
    first = staff.get(f"{API}/plans/{plan.id}/documents/plan")
    assert first.status_code == 200 and first.headers["X-Content-SHA256"] == kept.sha256
    assert hashlib.sha256(first.data).hexdigest() == kept.sha256

    data = first.data
    _tamper(kept.storage_key, data[:100] + bytes([data[100] ^ 1]) + data[101:])  # one bit
    r = staff.get(f"{API}/plans/{plan.id}/documents/plan")
    assert r.status_code == 500, r.data[:200]
    error = r.get_json()["error"]
    assert error["code"] == "stored_file_corrupted" and "SHA-256" in error["message"]
    assert error["details"]["expected_sha256"] == kept.sha256

    # an uploaded paper: refused on the API and on the page alike
    dossier = helpers.complete_dossier(world, campaign)
    paper = dossier.attachments[0]
    ok = staff.get(f"{API}/dossiers/{dossier.id}/attachments/{paper.id}")
    assert ok.status_code == 200 and ok.data == helpers.PDF
    assert int(ok.headers["Content-Length"]) == len(helpers.PDF)
    _tamper(paper.storage_key, helpers.PDF + b"%% appended")
    assert staff.get(f"{API}/dossiers/{dossier.id}/attachments/{paper.id}").status_code == 500
    from tests.web.test_views import login

    login(client, world.users["staff_a"].username)
    page = client.get(f"/dossiers/{dossier.id}/attachments/{paper.id}")
    assert page.status_code == 500 and "SHA-256" in page.get_data(as_text=True)


def test_a_large_file_streams_from_s3_in_pieces(app, fresh_s3):
    with app.app_context():
        data = b"%PDF-" + bytes(range(256)) * (12 * 1024)  # 3 MiB: spooled to disk, not memory
        sha = storage.write_new("big/file.pdf", data)
        opened = storage.open_checked("big/file.pdf", sha)
        assert opened.size == len(data) and not opened.redirect
        assert opened.fileobj._rolled  # past the in-memory limit the spool went to disk
        assert opened.fileobj.read() == data
        opened.fileobj.close()
        with pytest.raises(FileExistsError):
            storage.write_new("big/file.pdf", b"other")  # never over a kept file
        assert storage.read("big/file.pdf") == data


def test_presigned_downloads_redirect_to_the_s3_server(world, api, app, fresh_s3):
    app.config["STORAGE_PRESIGNED_DOWNLOADS"] = True
    campaign = helpers.make_campaign(world)
    dossier = helpers.complete_dossier(world, campaign)
    paper = dossier.attachments[0]
    staff = api("staff_a")
    r = staff.get(f"{API}/dossiers/{dossier.id}/attachments/{paper.id}")
    assert r.status_code == 302 and r.headers["Cache-Control"] == "no-store"
    location = r.headers["Location"]
    assert location.startswith(app.config["STORAGE_S3_ENDPOINT_URL"] + "/")
    assert "X-Amz-Expires=300" in location and "X-Amz-Signature=" in location
    with urllib.request.urlopen(location, timeout=10) as got:  # the bytes come from S3 itself
        assert got.read() == helpers.PDF
        disposition, params = parse_options_header(got.headers["Content-Disposition"])
        assert disposition == "attachment" and params["filename"] == paper.filename
        assert got.headers["Content-Type"] == "application/pdf"

    # an object replaced without its recorded hash is refused before any URL is given
    _tamper(paper.storage_key, b"%PDF-replaced")
    r = staff.get(f"{API}/dossiers/{dossier.id}/attachments/{paper.id}")
    assert r.status_code == 500 and r.get_json()["error"]["code"] == "stored_file_corrupted"


def test_flask_storage_migrate_copies_every_file_checks_every_hash_and_can_run_again(
        world, api, app, fresh_s3):
    fresh_s3("local")
    campaign = helpers.make_campaign(world)  # keeps the launch document
    plan = signed_plan(world, campaign)
    helpers.complete_dossier(world, campaign)
    storage.write_new("left-over.pdf", helpers.PDF)  # a file no row names
    db.session.expire_all()
    rows = {key: sha for model in (Attachment, StoredDocument)
            for key, sha in db.session.execute(sa.select(model.storage_key, model.sha256))}
    local = storage.keys()
    assert set(rows) <= set(local) and len(local) == len(rows) + 1 >= 8
    staff = api("staff_a")
    before = staff.get(f"{API}/plans/{plan.id}/documents/plan").data

    fresh_s3("s3")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["storage", "migrate", "--source", app.config["UPLOAD_FOLDER"]])
    assert result.exit_code == 0, result.output
    assert (f"Copied: {len(local)} (of which 1 named by no row), already there with the right "
            f"hash: 0, problems: 0.") in result.output
    assert storage.keys() == local
    for key, sha in rows.items():
        assert hashlib.sha256(storage.read(key)).hexdigest() == sha
    after = staff.get(f"{API}/plans/{plan.id}/documents/plan")  # now served from S3
    assert after.status_code == 200 and after.data == before

    again = runner.invoke(args=["storage", "migrate"])
    assert again.exit_code == 0, again.output
    assert f"Copied: 0 (of which 0 named by no row), already there with the right hash: " \
        f"{len(local)}, problems: 0." in again.output

    # a local file that no longer matches its row is reported, not copied; so is a row
    # whose file is nowhere
    fresh_s3("local")
    doc_key = next(k for k in rows if k.startswith("documents/"))
    storage.path_of(doc_key).write_bytes(b"PK\x03\x04 changed")
    fresh_s3("s3")
    storage.remove(doc_key)
    gone = next(k for k in rows if not k.startswith("documents/"))
    storage.remove(gone)
    storage.path_of(gone).unlink()
    bad = runner.invoke(args=["storage", "migrate"])
    assert bad.exit_code == 1
    assert f"{doc_key}: the local file does not match the database's SHA-256" in bad.output
    assert f"{gone}: named in the database but neither in the folder nor in the target" \
        in bad.output
    assert "problems: 2." in bad.output


def test_migrate_needs_s3_configured(app, fresh_s3):
    fresh_s3("local")
    result = app.test_cli_runner().invoke(args=["storage", "migrate"])
    assert result.exit_code == 2 and "STORAGE_URL" in result.output


@pytest.mark.parametrize("url", ["ftp://x/y", "s3://", "/var/lib/tdkt"])
def test_a_storage_url_that_names_no_store_stops_start_up(tmp_path, url):
    from app import create_app
    from app.config import ConfigError

    with pytest.raises(ConfigError, match="STORAGE_URL"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3",
                    "SECRET_KEY": "x" * 32, "UPLOAD_FOLDER": str(tmp_path), "TESTING": True,
                    "STORAGE_URL": url})


def test_the_backend_follows_the_configuration(app, fresh_s3, tmp_path):
    with app.app_context():
        assert type(storage.backend()).__name__ == "S3Backend"
        storage.check()
        fresh_s3("local")
        assert type(storage.backend()).__name__ == "LocalBackend"
        storage.check()
        app.config.update(STORAGE_URL=f"file://{tmp_path}/elsewhere")
        storage.write_new("a/b.pdf", helpers.PDF)
        assert (tmp_path / "elsewhere" / "a" / "b.pdf").read_bytes() == helpers.PDF
        with pytest.raises(Invalid, match="Khóa lưu trữ không hợp lệ"):
            storage.read("../outside.pdf")
        fresh_s3("s3")
        app.config["STORAGE_URL"] = "s3://no-such-bucket-here/x"
        with pytest.raises(Exception, match="NoSuchBucket|404"):
            storage.check()


class _Body(io.BytesIO):
    def iter_chunks(self, size):
        return iter(lambda: self.read(size), b"")


class _StubS3:
    """get_object / head_object of an S3 client, with one object and one refused key."""

    def __init__(self, data):
        self.data, self.calls = data, []

    def _answer(self, operation, Bucket, Key):
        from botocore.exceptions import ClientError

        self.calls.append((operation, Key))
        if Key.endswith("missing"):
            raise ClientError({"Error": {"Code": "NoSuchKey"}}, operation)
        if Key.endswith("secret"):
            raise ClientError({"Error": {"Code": "AccessDenied"}}, operation)
        return {"Body": _Body(self.data), "Metadata": {"sha256": "abc"}}

    def get_object(self, **kw):
        return self._answer("get_object", **kw)

    def head_object(self, **kw):
        return self._answer("head_object", **kw)


def test_s3_reads_fetch_one_way_a_missing_object_is_file_not_found():
    """read, open_hashed and recorded_sha256 ask the server through one helper (_fetch):
    the same key under the prefix, the same answer to a missing object."""
    from botocore.exceptions import ClientError

    from app.services.storage_backends import S3Backend

    backend = object.__new__(S3Backend)
    backend.client, backend.bucket, backend.prefix = _StubS3(b"x" * 10), "b", "p"
    fetched = []
    real = backend._fetch
    backend._fetch = lambda key, *a: fetched.append(key) or real(key, *a)
    assert backend.read("k") == b"x" * 10
    spool, size, digest = backend.open_hashed("k")
    with spool:
        assert (spool.read(), size, digest) == (b"x" * 10, 10,
                                                hashlib.sha256(b"x" * 10).hexdigest())
    assert backend.recorded_sha256("k") == "abc"
    assert fetched == ["k", "k", "k"]
    assert backend.client.calls == [("get_object", "p/k"), ("get_object", "p/k"),
                                     ("head_object", "p/k")]
    for read in (backend.read, backend.open_hashed, backend.recorded_sha256):
        with pytest.raises(FileNotFoundError):
            read("missing")
        with pytest.raises(ClientError):
            read("secret")
