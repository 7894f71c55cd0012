"""Signing identities: registered, replaced and removed by the administrator or the
console, each change audited; production holds no person's key."""
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import ReferenceChange, SigningIdentity
from app.services import identities
from app.services.errors import Forbidden, Invalid
from tests.signing.support import UBND_NAME, DemoSet


@pytest.fixture(scope="module")
def demo(app):
    made = DemoSet(app.instance_path)
    made.holder("chairman", "Đoàn Thị Hậu", title="Phó Chủ tịch")
    made.holder("chairman2", "Đoàn Thị Hậu", title="Phó Chủ tịch")
    made.holder("ubnd", UBND_NAME, seal=True)
    yield made
    made.remove()


def changes():
    return db.session.scalars(sa.select(ReferenceChange).where(
        ReferenceChange.section == identities.SECTION).order_by(ReferenceChange.id)).all()


def test_console_registers_replaces_and_removes_with_an_audit_row_each(app, world, demo):
    runner = app.test_cli_runner()
    p12, _png = demo.files["chairman"]
    result = runner.invoke(args=["signing", "register-user", "chairman", str(p12)])
    assert result.exit_code == 0, result.output
    first = identities.of_user(world.users["chairman"].id)
    assert first.backend == "pkcs12" and "Đoàn Thị Hậu" in first.subject
    assert first.key_path.startswith("signing/test-") and first.image_png.startswith(b"\x89PNG")
    assert first.passphrase_setting == "SIGNING_DEMO_PASSPHRASE"
    first_serial = first.serial
    p12b, _ = demo.files["chairman2"]
    result = runner.invoke(args=["signing", "register-user", "chairman", str(p12b)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    replaced = identities.of_user(world.users["chairman"].id)
    assert replaced.serial != first_serial
    ubnd_p12, _ = demo.files["ubnd"]
    result = runner.invoke(args=["signing", "register-unit", "UBND", str(ubnd_p12),
                                 "--seal-mm", "34"])
    assert result.exit_code == 0, result.output
    seal = identities.of_unit(world.units["UBND"].id)
    assert seal.holder == "organisation" and seal.seal_mm == 34
    result = runner.invoke(args=["signing", "remove", "--user", "chairman"])
    assert result.exit_code == 0, result.output
    assert identities.of_user(world.users["chairman"].id) is None
    log = [(c.action, c.origin, c.row_key) for c in changes()]
    assert log == [("added", "cli", "người ký chairman"), ("replaced", "cli", "người ký chairman"),
                   ("added", "cli", "cơ quan UBND"), ("removed", "cli", "người ký chairman")]
    assert changes()[1].before["serial"] == first_serial
    assert changes()[1].after["serial"] == replaced.serial


def test_only_the_administrator_registers(world, demo):
    p12, png = demo.files["chairman"]
    with pytest.raises(Forbidden):
        identities.register_user(world.users["clerk"], "chairman", p12_path=p12,
                                 passphrase_setting="SIGNING_DEMO_PASSPHRASE",
                                 image_png=png.read_bytes())
    identities.register_user(world.users["admin"], "chairman", p12_path=p12,
                             passphrase_setting="SIGNING_DEMO_PASSPHRASE",
                             image_png=png.read_bytes())
    assert changes()[-1].user_id == world.users["admin"].id
    assert changes()[-1].origin == "page"


def test_bad_inputs_change_nothing(world, demo):
    p12, png = demo.files["chairman"]
    with pytest.raises(Invalid) as refused:
        identities.register_user(None, "chairman", p12_path=p12,
                                 passphrase_setting="SIGNING_DEMO_PASSPHRASE",
                                 image_png=b"GIF89a....")
    assert refused.value.code == "image_type"
    with pytest.raises(Invalid) as refused:
        identities.register_user(None, "chairman", p12_path=p12,
                                 passphrase_setting="SECRET_KEY", image_png=png.read_bytes())
    assert refused.value.code == "passphrase_setting"
    with pytest.raises(Invalid) as refused:
        identities.register_unit(None, "UBND", p12_path=p12, seal_png=png.read_bytes(),
                                 seal_mm=200)
    assert refused.value.code == "seal_mm"
    assert db.session.scalar(sa.select(sa.func.count(SigningIdentity.id))) == 0
    assert changes() == []


def test_production_refuses_a_persons_key_at_registration_and_at_start_up(app, world, demo,
                                                                          monkeypatch):
    p12, png = demo.files["chairman"]
    identities.register_user(None, "chairman", p12_path=p12,
                             passphrase_setting="SIGNING_DEMO_PASSPHRASE",
                             image_png=png.read_bytes())
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    with pytest.raises(Invalid) as refused:
        identities.register_user(None, "chairman", p12_path=p12,
                                 passphrase_setting="SIGNING_DEMO_PASSPHRASE",
                                 image_png=png.read_bytes())
    assert refused.value.code == "person_key_in_production"
    with pytest.raises(RuntimeError, match="chairman"):
        identities.check_at_startup(app)
    # the person's own token or CA: only the certificate is registered
    identities.register_user(None, "chairman", backend="remote",
                             certificate_pem=_pem_of(p12),
                             image_png=png.read_bytes(), account="hau.dt")
    identities.check_at_startup(app)  # nothing held any more
    assert not identities.server_side(identities.of_user(world.users["chairman"].id))


def _pem_of(p12):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    _key, cert, _extra = pkcs12.load_key_and_certificates(p12.read_bytes(), b"demo")
    return cert.public_bytes(serialization.Encoding.PEM)


def test_the_served_app_refuses_to_start_in_production_with_a_persons_key_file(app, world,
                                                                               demo):
    """wsgi.py under gunicorn (the served app) checks the registered identities; the
    flask command still starts, so the operator can remove them."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    p12, png = demo.files["chairman"]
    identities.register_user(None, "chairman", p12_path=p12,
                             passphrase_setting="SIGNING_DEMO_PASSPHRASE",
                             image_png=png.read_bytes())
    root = Path(__file__).resolve().parents[2]
    env = {**{k: v for k, v in os.environ.items() if k not in ("FLASK_APP",)},
           "TDKT_ENV": "production", "SECRET_KEY": "start-up-check-0123456789abcdef",
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "PYTHONPATH": str(root)}
    served = ("import sys, types; sys.modules['gunicorn'] = types.ModuleType('gunicorn'); "
              "import wsgi")

    def start(code):
        return subprocess.run([sys.executable, "-c", code], cwd=root, env=env,
                              capture_output=True, text=True, timeout=120)

    run = start(served)
    assert run.returncode != 0
    assert "không giữ khóa ký của cá nhân trên máy chủ" in run.stderr
    assert "chairman (pkcs12)" in run.stderr
    assert start("import wsgi").returncode == 0  # the flask command's way in
    identities.register_user(None, "chairman", backend="remote", certificate_pem=_pem_of(p12),
                             image_png=png.read_bytes())
    run = start(served)
    assert run.returncode == 0, run.stderr


def test_the_console_registers_a_units_key_on_the_clerks_token(app, world, demo, tmp_path):
    p12, png = demo.files["ubnd"]
    pem = tmp_path / "ubnd.pem"
    pem.write_bytes(_pem_of(p12))
    result = app.test_cli_runner().invoke(args=[
        "signing", "register-unit", "UBND", "--remote", str(pem), "--key-label", "vt.ubnd",
        "--seal", str(png), "--seal-mm", "35"])
    assert result.exit_code == 0, result.output
    seal = identities.of_unit(world.units["UBND"].id)
    assert (seal.backend, seal.key_label, seal.seal_mm, seal.key_path) == \
        ("remote", "vt.ubnd", 35, None)
    assert changes()[-1].origin == "cli"
