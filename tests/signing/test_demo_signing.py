"""`flask seed demo` (what `make run` calls) gives the demo its digital signatures: a demo
CA under instance/, a registered certificate for each signer and each sealing
organisation; the development app then trusts that CA unless told otherwise."""
import time

import pytest
import sqlalchemy as sa

from app.config import DEMO_CA_DIR, demo_signing_trust
from app.extensions import db
from app.models import SigningIdentity, Unit, User
from app.services import esigning
from app.services.demo import SIGNING_PEOPLE


@pytest.fixture
def runner(app, ctx):
    return app.test_cli_runner()


def test_seed_demo_registers_every_signer_and_both_seals_quickly(app, runner):
    started = time.perf_counter()
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    assert time.perf_counter() - started < 30  # keys, images and the reference data
    assert "Digital signatures: demo CA in" in result.output
    rows = db.session.execute(
        sa.select(SigningIdentity, User.username, Unit.code)
        .outerjoin(User, User.id == SigningIdentity.user_id)
        .outerjoin(Unit, Unit.id == SigningIdentity.unit_id)).all()
    people = {name: i for i, name, _ in rows if name}
    units = {code: i for i, _, code in rows if code}
    assert set(people) == set(SIGNING_PEOPLE)
    assert set(units) == {"UBND", "SNV"} and units["UBND"].seal_mm == 36
    assert "Hoàng Văn Minh" in people["chutich"].subject
    assert "Đoàn Thị Hậu" in people["phochutich"].subject
    assert all(i.backend == "pkcs12" and i.key_path.startswith(DEMO_CA_DIR)
               for i in people.values())
    # Sở Nội vụ has its own Văn thư (vanthu.snv) and seal: the Board head's tờ trình goes the
    # sealed path (she numbers, dates and seals it); Sở Y tế has no Văn thư: head only
    units = {u.code: u for u in db.session.scalars(sa.select(Unit))}
    users = {u.username: u for u in db.session.scalars(sa.select(User))}
    assert users["vanthu.snv"].unit.code == "SNV" and users["vanthu.snv"].roles == {
        "office_clerk"}
    assert esigning.paper_mode("decision", "sign_proposal", units["SNV"],
                               users["truongban.btdkt"]) == esigning.SEALED
    assert esigning.paper_mode("plan", "sign_off", units["SYT"],
                               users["thutruong.syt"]) == esigning.HEAD_ONLY
    again = runner.invoke(args=["seed", "demo"])
    assert again.exit_code == 0 and "(0 identities registered now)" in again.output


def test_development_trusts_the_demo_ca_unless_told_otherwise(tmp_path):
    (tmp_path / DEMO_CA_DIR).mkdir(parents=True)
    (tmp_path / DEMO_CA_DIR / "root.pem").write_text("x")
    config = {"ENV_NAME": "development", "SIGNING_TRUST_ROOTS": ""}
    demo_signing_trust(config, tmp_path)
    assert config["SIGNING_TRUST_ROOTS"].endswith("demo-ca/root.pem")
    assert config["SIGNING_CRLS"].endswith("demo-ca/sub-ca.crl")
    for given in ({"ENV_NAME": "production", "SIGNING_TRUST_ROOTS": ""},
                  {"ENV_NAME": "development", "SIGNING_TRUST_ROOTS": "/etc/ca.pem"}):
        before = dict(given)
        demo_signing_trust(given, tmp_path)
        assert given == before
