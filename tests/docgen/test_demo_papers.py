"""The seeded demo province (`flask seed demo`: app/data/demo.json), driven once to an
issued decision, and every paper it produces put through the structure checks of
tests/docgen/structure.py, as the test province's and the second province's are."""
from datetime import date
from types import SimpleNamespace

import sqlalchemy as sa

from app.docgen import text as t
from app.extensions import db
from app.models import Campaign, Dossier, Plan, User
from app.services import reference, workflow
from app.services.demo import load_demo
from tests import helpers
from tests.docgen.structure import (
    assert_closing,
    assert_draft,
    assert_fonts,
    assert_formal,
    assert_letterhead,
    assert_page,
    assert_title,
)
from tests.docgen.support import (
    PDK_NOMINEES,
    SYT_NOMINEES,
    after,
    appraised,
    approve,
    assert_format,
    document,
    issue,
    new_decision,
    nonblank,
    open_docx,
    the,
    utc_at,
)

ON = date(2026, 11, 20)
PROVINCE = ("ỦY BAN NHÂN DÂN", "TỈNH LẠNG SƠN")
PARENT = "UBND TỈNH LẠNG SƠN"
FORM = "Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh"


def demo_issued(frozen):
    """The demo loaded as `flask seed demo` loads it, then its campaign launched, SYT's
    plan signed, SYT's and PĐK's dossiers appraised, one decision issued."""
    frozen(utc_at(ON))
    load_demo()
    users = {u.username: u for u in db.session.scalars(sa.select(User))}
    world = SimpleNamespace(users={
        "staff_a": users["canbo.syt"], "head_a": users["thutruong.syt"],
        "staff_b": users["canbo.pdk"], "head_b": users["thutruong.pdk"],
        "appraiser": users["chuyenvien.btdkt"], "board_head": users["truongban.btdkt"],
        "chairman": users["chutich"], "clerk": users["vanthu.vp"]})
    campaign = db.session.scalars(sa.select(Campaign)).one()
    workflow.perform("campaign", campaign.id, world.users["board_head"], "launch",
                     version=campaign.version)
    plan = helpers.complete_plan(world, campaign, "SYT", "staff_a")
    helpers.fire(world, "plan", plan, "staff_a", "submit")
    helpers.fire(world, "plan", plan, "head_a", "sign_off")
    syt = appraised(world, campaign, "SYT", "staff_a", "head_a", SYT_NOMINEES)
    pdk = appraised(world, campaign, "PDK", "staff_b", "head_b", PDK_NOMINEES)
    decision = new_decision(world, campaign, [n.id for n in syt.nominees + pdk.nominees])
    decision = issue(world, approve(world, decision))
    db.session.refresh(campaign)
    return SimpleNamespace(campaign=campaign, plan=db.session.get(Plan, plan.id),
                           syt=db.session.get(Dossier, syt.id),
                           pdk=db.session.get(Dossier, pdk.id), decision=decision)


def test_the_demo_provinces_papers_pass_the_structure_checks(app, ctx, frozen):
    s = demo_issued(frozen)
    on = f"Lạng Sơn, {t.long_date(ON)}"
    phrase = s.campaign.title[0].lower() + s.campaign.title[1:]

    launch = open_docx(document("campaign", s.campaign, "launch")[0])
    assert_formal(launch)
    assert_letterhead(launch, PROVINCE, f"Số: {s.campaign.launch_number}",
                      f"Lạng Sơn, {t.long_date(s.campaign.launch_date)}")
    assert_closing(launch, [
        "- Như trên;", "- Hội đồng TĐKT Trung ương;", "- Ban TĐKT Trung ương;",
        "- Vụ III, Ban TĐKT TW;", "- Thường trực Tỉnh ủy;", "- Thường trực HĐND tỉnh;",
        "- UBND 6 tỉnh (Cụm TĐ 7 tỉnh MN BGPB);", "- Chủ tịch, các Phó Chủ tịch UBND tỉnh;",
        "- Các đơn vị trong cụm thi đua của tỉnh;", "- Sở Nội vụ (Ban TĐKT);",
        "- C, PCVP UBND tỉnh, các Phòng CM, đơn vị trực thuộc;", "- Lưu: VT, KG-VX."],
        ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"), "Hoàng Văn Minh")

    plan = open_docx(document("plan", s.plan, "plan")[0])
    assert_formal(plan)
    assert_letterhead(plan, ("SỞ Y TẾ",), "Số: 01/KH-SYT", on, parent=PARENT)
    assert_title(plan, "KẾ HOẠCH", f"Hưởng ứng {phrase}")
    assert_closing(plan, ["- Sở Nội vụ (Ban TĐKT);", "- Lưu: VT."], ("GIÁM ĐỐC",),
                   "Trần Văn Bình")

    # The ward dates its papers at its own place (NĐ 30 Phụ lục I), not the province's.
    for dossier, issuer, parent, abbreviation, authority, name, dated in (
            (s.syt, ("SỞ Y TẾ",), PARENT, "SYT", ("GIÁM ĐỐC",), "Trần Văn Bình", on),
            (s.pdk, ("ỦY BAN NHÂN DÂN", "PHƯỜNG ĐÔNG KINH"), None, "UBND",
             ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"), "Lộc Văn Hùng",
             f"Đông Kinh, {t.long_date(ON)}")):
        proposal = open_docx(document("dossier", dossier, "proposal")[0])
        assert_formal(proposal)
        assert_letterhead(proposal, issuer, f"Số: 01/TTr-{abbreviation}", dated, parent=parent)
        assert_title(proposal, "TỜ TRÌNH", f"Đề nghị tặng {FORM} cho tập thể, cá nhân có "
                                           f"thành tích xuất sắc trong {phrase}")
        assert_closing(proposal, ["- Như trên;", "- Sở Nội vụ (Ban TĐKT);", "- Lưu: VT."],
                       authority, name)
        minutes = open_docx(document("dossier", dossier, "minutes")[0])
        assert_page(minutes)
        assert_fonts(minutes)
        assert_draft(minutes, False)
        # the ward's council numbers its biên bản in its own book: BB-HĐTĐKT (data)
        council = "HĐTĐKT" if dossier is s.pdk else abbreviation
        assert_letterhead(minutes, issuer, f"Số: 03/BB-{council}", dated, parent=parent)

    board = open_docx(document("decision", s.decision, "proposal")[0])
    assert_formal(board)
    assert_letterhead(board, ("SỞ NỘI VỤ",), "Số: 01/TTr-SNV", on, parent=PARENT)
    assert_closing(board, ["- Như trên;", "- Lưu: VT, Ban TĐKT."], ("GIÁM ĐỐC",), "Vi Văn Thắng")

    decision = open_docx(document("decision", s.decision, "decision")[0])
    assert_formal(decision)
    assert_letterhead(decision, PROVINCE, "Số: 01/QĐ-UBND", on)
    assert_title(decision, "QUYẾT ĐỊNH", f"Về việc tặng {FORM}")
    assert_closing(decision, ["- Như Điều 3;", "- CT, các PCT UBND tỉnh;", "- Sở Tài chính;",
                              "- Cổng Thông tin điện tử tỉnh;", "- Lưu: VT, SNV."],
                   ("CHỦ TỊCH",), "Hoàng Văn Minh")

    certificates = open_docx(document("decision", s.decision, "certificates")[0])
    assert_fonts(certificates)
    assert_draft(certificates, False)


def test_the_demo_decision_and_board_proposal_cite_the_provinces_own_rules(app, ctx, frozen):
    """Lạng Sơn's Quy định thi đua, khen thưởng in force on the date (demo.json: the current
    one, unverified [U], so without a number the sources do not give) is a Căn cứ of the
    decision and of the Board's tờ trình."""
    s = demo_issued(frozen)
    rules = ("Căn cứ Quy định về công tác thi đua, khen thưởng trên địa bàn tỉnh Lạng Sơn do Ủy "
             "ban nhân dân tỉnh Lạng Sơn ban hành;")
    decision = open_docx(document("decision", s.decision, "decision")[0])
    preamble = after(decision, "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN", 8)
    assert rules in preamble[:preamble.index("QUYẾT ĐỊNH:")], preamble
    assert_format(the(decision, rules), italic=True)
    board = open_docx(document("decision", s.decision, "proposal")[0])
    the(board, rules)
    assert "[U]" in next(b.source_note for b in reference.legal_bases("decision", ON)
                         if b.text == rules)


def test_the_demo_letter_ends_once_and_keeps_its_sentence_whole(app, ctx, frozen):
    """The demo công văn: "./." only at the very end of its text, and its closing call is
    one paragraph (it was split in two after «chiến sỹ»)."""
    s = demo_issued(frozen)
    lines = nonblank(open_docx(document("campaign", s.campaign, "launch")[0]))
    body = lines[:lines.index("Nơi nhận:")]  # the letterhead, Kính gửi and the text
    assert [x for x in body if x.endswith("./.")] == [body[-1]], body[-3:]
    whole = next(x for x in body if "cán bộ, chiến sỹ" in x)
    assert "cán bộ, chiến sỹ các lực lượng vũ trang và Nhân dân các dân tộc" in whole
    assert not any(x.startswith("các lực lượng vũ trang") for x in body)
    # the demo ward's papers: its own place, its council's own book
    minutes = nonblank(open_docx(document("dossier", s.pdk, "minutes")[0]))
    assert "Số: 03/BB-HĐTĐKT" in minutes and f"Đông Kinh, {t.long_date(ON)}" in minutes
