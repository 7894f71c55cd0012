"""Signing authority as data: the issuing body and the paper's type decide TM.; the
signer's position decides KT., Q., TL., TUQ., chosen at signing among what the signer may
use; the printed block follows it exactly and is kept with the paper."""
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Decision, PaperSignature, User
from app.services import signing
from app.services.errors import Invalid
from tests import helpers
from tests.docgen.support import (
    SYT_NOMINEES,
    appraised,
    document,
    issue,
    new_decision,
    open_docx,
)


def block(data):
    """The signature block's lines (right cell of the closing table)."""
    right = open_docx(data).tables[1].rows[0].cells[1]
    return [p.text for p in right.paragraphs if p.text.strip()]


def _to_chairman(world, campaign):
    dossier = appraised(world, campaign, "SYT", "staff_a", "head_a", SYT_NOMINEES)
    decision = new_decision(world, campaign, [dossier.nominees[0].id])
    helpers.fire(world, "decision", decision, "appraiser", "submit")
    helpers.fire(world, "decision", decision, "board_head", "sign_proposal")
    db.session.refresh(decision)
    return decision


@pytest.mark.parametrize("issuer,paper,mode,title,expected", [
    ("UBND", "decision", "own", "CHỦ TỊCH", ("CHỦ TỊCH",)),
    ("UBND", "decision", "KT", "PHÓ CHỦ TỊCH", ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")),
    ("UBND", "cong_van", "KT", "PHÓ CHỦ TỊCH",
     ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")),
    ("UBND", "ke_hoach", "own", "CHỦ TỊCH", ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH")),
    ("PDK", "to_trinh", "own", "CHỦ TỊCH", ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH")),
    ("SNV", "to_trinh", "Q", "PHÓ GIÁM ĐỐC", ("Q. GIÁM ĐỐC",)),
    ("UBND", "decision", "TL", "CHÁNH VĂN PHÒNG", ("TL. CHỦ TỊCH", "CHÁNH VĂN PHÒNG")),
    ("UBND", "decision", "TUQ", "GIÁM ĐỐC SỞ NỘI VỤ", ("TUQ. CHỦ TỊCH", "GIÁM ĐỐC SỞ NỘI VỤ")),
])
def test_the_block_follows_the_body_the_paper_and_the_position(world, issuer, paper, mode,
                                                               title, expected):
    user = User(username="x", full_name="X", signing_title=title)
    assert signing.lines(world.units[issuer], paper, user, mode) == expected


def test_modes_are_checked_and_the_old_authority_field_still_reads(world):
    assert signing.parse_modes("kt, own;TUQ.") == "KT,own,TUQ"
    with pytest.raises(Invalid) as refused:
        signing.parse_modes("KT,TM")
    assert refused.value.code == "signing_modes"
    assert signing.modes_of(world.users["chairman"]) == ["KT"]  # from "KT. CHỦ TỊCH"
    assert signing.modes_of(world.users["head_a"]) == ["own"]
    with pytest.raises(Invalid) as refused:
        signing.choose(world.users["chairman"], "own")
    assert "không được ký với thẩm quyền «Thủ trưởng ký»" in refused.value.message


def test_the_chairman_chooses_the_authority_at_signing_and_the_paper_keeps_it(world, api):
    campaign = helpers.make_campaign(world)
    decision = _to_chairman(world, campaign)
    chairman = world.users["chairman"]
    chairman.signing_modes = "KT,TL"
    db.session.commit()
    # not one this signer may use: refused, nothing changed
    r = api("chairman").post(f"/api/v1/decisions/{decision.id}/transitions", json={
        "trigger": "approve", "version": decision.version, "authority": "Q"})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "authority_not_allowed"
    db.session.refresh(decision)
    assert decision.state == "awaiting_chairman"
    assert db.session.scalar(sa.select(sa.func.count(PaperSignature.id)).where(
        PaperSignature.paper == "decision")) == 0

    r = api("chairman").post(f"/api/v1/decisions/{decision.id}/transitions", json={
        "trigger": "approve", "version": decision.version, "authority": "TL"})
    assert r.status_code == 200, r.get_json()
    # what the signer may use changes later: the signed paper keeps its block
    chairman.signing_modes = "KT"
    db.session.commit()
    decision = issue(world, db.session.get(Decision, decision.id))
    assert block(document("decision", decision, "decision")[0]) == [
        "TL. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Đoàn Thị Hậu"]


def test_a_body_that_issues_every_paper_as_the_collective_prints_tm(world, api):
    r = api("admin").patch("/api/v1/units/UBND", json={"collective_papers": "*"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["collective_papers"] == "*"
    campaign = helpers.make_campaign(world)
    decision = _to_chairman(world, campaign)
    helpers.fire(world, "decision", decision, "chairman", "approve")
    decision = issue(world, db.session.get(Decision, decision.id))
    assert block(document("decision", decision, "decision")[0]) == [
        "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Đoàn Thị Hậu"]
    # the Board's tờ trình is its own body's: Sở Nội vụ is no collective
    assert block(document("decision", decision, "proposal")[0]) == ["GIÁM ĐỐC", "Vi Văn Thắng"]


def test_users_take_their_signing_modes_from_the_api_and_the_cli(app, world, api, ctx):
    r = api("admin").post("/api/v1/users", json={
        "username": "pct2", "password": "Mat-khau-du-dai-1", "full_name": "Hà Văn Sơn",
        "unit": "UBND", "roles": ["chairman"], "signing_title": "PHÓ CHỦ TỊCH",
        "signing_modes": "KT"})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["signing_modes"] == ["KT"]
    r = api("admin").post("/api/v1/users", json={
        "username": "pct3", "password": "Mat-khau-du-dai-1", "full_name": "Hà Văn Sơn",
        "unit": "UBND", "roles": ["chairman"], "signing_modes": "XY"})
    assert r.status_code == 422

    runner = app.test_cli_runner()
    result = runner.invoke(args=[
        "users", "create", "--username", "pct4", "--password", "Mat-khau-du-dai-1",
        "--role", "chairman", "--unit", "UBND", "--full-name", "Lê Thị Na",
        "--email", "pct4@tdkt.test", "--signing-title", "PHÓ CHỦ TỊCH",
        "--signing-authority", "KT. CHỦ TỊCH", "--signing-modes", "KT,TUQ", "--inactive"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    user = db.session.scalars(sa.select(User).where(User.username == "pct4")).one()
    assert (user.signing_modes, user.signing_authority, user.active, user.email) == (
        "KT,TUQ", "KT. CHỦ TỊCH", False, "pct4@tdkt.test")
    bad = runner.invoke(args=["users", "create", "--username", "pct5", "--password",
                              "Mat-khau-du-dai-1", "--role", "chairman", "--unit", "UBND",
                              "--signing-modes", "TM"])
    assert bad.exit_code == 2 and "Thẩm quyền ký không hợp lệ: TM" in bad.output


def test_an_admin_sets_a_signers_modes_on_the_accounts_page(client, world):
    from tests.web.test_views import csrf_of, login

    login(client, "admin")
    page = client.get("/admin/users").get_data(as_text=True)
    r = client.post("/admin/users", data={
        "csrf_token": csrf_of(page), "username": "chairman", "existing": "1",
        "signing_modes": "KT,TUQ"}, follow_redirects=True)
    assert "Đã lưu tài khoản chairman." in r.get_data(as_text=True)
    db.session.expire_all()
    assert signing.modes_of(db.session.get(User, world.users["chairman"].id)) == ["KT", "TUQ"]
    assert "(KT,TUQ)" in client.get("/admin/users").get_data(as_text=True)


def test_on_the_page_the_signer_chooses_among_their_authorities(world, client):
    from tests.web.test_views import csrf_of, login

    campaign = helpers.make_campaign(world)
    decision = _to_chairman(world, campaign)
    world.users["chairman"].signing_modes = "KT,TL"
    db.session.commit()
    login(client, "chairman")
    page = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
    assert 'id="authority-approve"' in page
    assert '<option value="KT">KT. (ký thay thủ trưởng)</option>' in page
    assert '<option value="TL">TL. (thừa lệnh)</option>' in page
    r = client.post(f"/decisions/{decision.id}/transitions", data={
        "csrf_token": csrf_of(page), "trigger": "approve", "version": str(decision.version),
        "authority": "TL"}, follow_redirects=True)
    assert r.status_code == 200
    db.session.refresh(decision)
    assert decision.state == "approved"
    (kept,) = db.session.scalars(sa.select(PaperSignature).where(
        PaperSignature.paper == "decision")).all()
    assert kept.mode == "TL"
    # a signer with one authority is not asked
    login(client, "clerk")
    assert 'id="authority-' not in client.get(f"/decisions/{decision.id}").get_data(as_text=True)


def test_the_launch_takes_the_signers_authority_like_every_other_signing_step(world, api):
    """The launch paper's signer (the campaign's, here a Phó Chủ tịch) signs with one of the
    authorities they may use, chosen at launch; one they may not use is refused."""
    from workflows import PROCESSES

    assert "authority" in PROCESSES["campaign"].step("launch", "draft").inputs
    chairman = world.users["chairman"]
    chairman.signing_modes = "KT,TUQ"
    db.session.commit()
    campaign = helpers.make_campaign(world, launch=False, launch_type="ke_hoach")
    board = api("board_head")
    r = board.post(f"/api/v1/campaigns/{campaign.id}/transitions",
                   json={"trigger": "launch", "version": campaign.version, "authority": "TL"})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "authority_not_allowed"
    r = board.post(f"/api/v1/campaigns/{campaign.id}/transitions",
                   json={"trigger": "launch", "version": campaign.version, "authority": "TUQ"})
    assert r.status_code == 200, r.get_json()
    db.session.refresh(campaign)
    assert block(document("campaign", campaign, "launch")[0]) == [
        "TM. ỦY BAN NHÂN DÂN", "TUQ. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Đoàn Thị Hậu"]
