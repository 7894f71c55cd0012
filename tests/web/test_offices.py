"""Pages a real office can work in (issue 11, the cross-cutting parts): mail problems reach
only the people who fix them, notifications, confirmations, wording, accessibility."""
import re

import sqlalchemy as sa

from app.extensions import db
from app.models import OutboxMessage
from tests import helpers
from tests.web.test_views import csrf_of, login


def _submitted_plan_with_mail_trouble(world, campaign):
    """A submitted plan whose mail to the head keeps failing: one row retrying after an
    error, one failed for good."""
    plan = helpers.complete_plan(world, campaign)
    helpers.fire(world, "plan", plan, "staff_a", "submit")
    retrying = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.item_type == "plan", OutboxMessage.status == "pending")).first()
    retrying.recipient_email = "thutruong@syt.test"
    retrying.attempts, retrying.last_error = 2, "[Errno 111] Connection refused"
    failed = OutboxMessage(item_type="plan", item_id=plan.id, template="plan.submit",
                           recipient_name="Người nhận thất bại", recipient_email="x@syt.test",
                           payload=dict(retrying.payload), status="failed", attempts=6,
                           last_error="550 Mailbox unavailable")
    db.session.add(failed)
    db.session.commit()
    return plan


def test_item_pages_say_only_whether_mail_went_and_only_to_who_fixes_it(client, world,
                                                                          campaign):
    plan = _submitted_plan_with_mail_trouble(world, campaign)
    for who in ("staff_a", "head_a", "chairman"):
        login(client, who)
        page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
        assert "Thông báo đã gửi" not in page, who
        assert "Connection refused" not in page and "@syt.test" not in page, who
    login(client, "appraiser")
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "Thông báo đã gửi" in page and "Chưa gửi được" in page
    assert "<td>Trình thủ trưởng</td>" in page  # which step each message was about
    assert "Connection refused" not in page and "550 Mailbox" not in page
    assert "@syt.test" not in page  # addresses only on the outbox page
    assert 'href="/outbox"' in page


def test_the_outbox_lists_mail_retrying_after_errors_as_well_as_failed(client, world,
                                                                       campaign):
    _submitted_plan_with_mail_trouble(world, campaign)
    login(client, "board_head")
    page = client.get("/outbox").get_data(as_text=True)
    assert "Không có thư nào" not in page
    assert "[Errno 111] Connection refused" in page and "550 Mailbox unavailable" in page
    assert "thutruong@syt.test" in page and "Đang chờ gửi lại" in page
    assert "Gửi lại tất cả thư thất bại" in page
    assert "<th scope=\"col\"></th>" not in page  # no empty header
    failed_only = client.get("/outbox?status=failed").get_data(as_text=True)
    assert "550 Mailbox" in failed_only and "Connection refused" not in failed_only


def test_a_notification_says_what_happened_to_whom_links_to_it_and_is_read_when_opened(
        client, world, campaign):
    from app.services import dossiers

    dossier = helpers.complete_dossier(world, campaign)
    for trigger, who in (("submit", "staff_a"), ("sign_off", "head_a"),
                         ("start_appraisal", "appraiser")):
        helpers.fire(world, "dossier", dossier, who, trigger)
    first, *others = sorted(dossier.nominees, key=lambda n: n.position)
    dossiers.set_verdict(world.users["appraiser"], dossier.id, first.id, "accepted")
    for n in others:
        dossiers.set_verdict(world.users["appraiser"], dossier.id, n.id, "declined",
                             "Chưa đủ thời gian công tác")
    helpers.fire(world, "dossier", dossier, "appraiser", "complete_appraisal")

    login(client, "staff_a")
    page = client.get("/notifications").get_data(as_text=True)
    assert "«Hoàn thành thẩm định»" in page
    assert f"Được chấp nhận (1): {first.name}." in page
    assert f"Không được chấp nhận ({len(others)}): " in page
    assert f"{others[0].name} (Chưa đủ thời gian công tác)" in page
    row = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.recipient_user_id == world.users["staff_a"].id,
        OutboxMessage.template == "dossier.complete_appraisal")).one()
    assert f'href="/notifications/{row.id}"' in page and row.read_at is None
    r = client.get(f"/notifications/{row.id}")
    assert r.status_code == 302 and r.headers["Location"] == f"/dossiers/{dossier.id}"
    db.session.refresh(row)
    assert row.read_at is not None
    login(client, "staff_b")  # someone else's notification does not exist for them
    assert client.get(f"/notifications/{row.id}").status_code == 404


def test_a_decisions_notification_names_the_struck_nominees():
    from app.services.outbox import details

    snapshot = {"nominees": [{"name": "Nguyễn Văn An", "struck": False},
                             {"name": "Lê Thị Bích", "struck": True, "strike_reason": "Trùng"}]}
    assert details("decision", "approved", snapshot) == [
        "Danh sách khen thưởng: 1 tập thể, cá nhân.",
        "Bị loại khỏi danh sách (1): Lê Thị Bích (Trùng)."]
    assert details("plan", "submitted", {}) == []


def test_buttons_ask_in_the_definitions_words_and_returns_look_unlike_approvals(
        client, world, campaign):
    from workflows import PLAN

    plan = helpers.complete_plan(world, campaign)
    helpers.fire(world, "plan", plan, "staff_a", "submit")
    login(client, "head_a")
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    question = PLAN.step("sign_off", "awaiting_head").question
    assert f'data-confirm="{question}"' in page and "cấp số" in question
    sign = re.search(r'<button[^>]*data-trigger="sign_off"[^>]*>', page).group(0)
    back = re.search(r'<button[^>]*data-trigger="head_return"[^>]*>', page).group(0)
    assert "btn-primary" in sign and 'data-tone="forward"' in sign
    assert "btn-outline-secondary" in back and "btn-primary" not in back


def test_the_nơi_nhận_editor_takes_one_row_per_entry(client, world):
    from app.models import DistributionList

    login(client, "board_head")
    page = client.get("/distribution-lists").get_data(as_text=True)
    assert "Tên | thư điện tử" not in page and 'name="entry_label"' in page
    r = client.post("/distribution-lists", data={
        "csrf_token": csrf_of(page), "code": "QD2", "name": "Nơi nhận quyết định",
        "entry_label": ["Như Điều 3", "Sở Tài chính", "", "Lưu: VT, SNV"],
        "entry_email": ["", "stc@tdkt.test", "", ""]}, follow_redirects=True)
    assert "Đã lưu." in r.get_data(as_text=True)
    lst = db.session.scalar(sa.select(DistributionList).where(DistributionList.code == "QD2"))
    assert [(e.label, e.email) for e in lst.entries] == [
        ("Như Điều 3", None), ("Sở Tài chính", "stc@tdkt.test"), ("Lưu: VT, SNV", None)]
    r = client.post("/distribution-lists", data={
        "csrf_token": csrf_of(page), "code": "QD2", "name": "Nơi nhận quyết định",
        "entry_label": ["", "Sở Tài chính"], "entry_email": ["x@tdkt.test", ""]},
        follow_redirects=True)
    body = r.get_data(as_text=True)
    assert "alert-danger" in body and "Tên nơi nhận" in body, body[body.find("<main"):][:600]


def test_admin_pages_speak_words_not_codes(client, world):
    login(client, "admin")
    units = client.get("/admin/units").get_data(as_text=True)
    assert "<td>commune</td>" not in units and "<td>department</td>" not in units
    assert "Cấp xã (xã, phường, thị trấn)" in units and "Sở, ban, ngành" in units
    reference = client.get("/admin/reference").get_data(as_text=True)
    # the edit forms hold the stored values, tags included, for the admin to type over
    assert "[V]" in reference
    reference = re.sub(r"<form .*?</form>", "", reference, flags=re.S)
    assert "[V]" not in reference and "[U]" not in reference and "[S]" not in reference
    assert "đã đối chiếu văn bản gốc" in reference and "chưa đối chiếu" in reference
    assert "app/data/reference.json" not in reference


def test_hashes_only_on_the_history_detail_and_the_menu_marks_the_current_page(
        client, world, campaign):
    from app.services import documents

    login(client, "board_head")
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    kept = [d for d in documents.listing("campaign", campaign) if d["final"]]
    assert kept and kept[0]["sha256"][:12] not in page and "SHA-256" not in page
    assert f'href="/campaigns/{campaign.id}/history"' in page
    assert re.search(r'<a class="nav-link active" href="/campaigns"\s+aria-current="page">', page)
    detail = client.get(f"/campaigns/{campaign.id}/history").get_data(as_text=True)
    assert kept[0]["sha256"] in detail and "SHA-256" in detail
    inbox = client.get("/").get_data(as_text=True)
    assert re.search(r'href="/"\s+aria-current="page">Việc cần xử lý', inbox)
    assert inbox.count('aria-current="page"') == 1
    login(client, "staff_b")  # the history is scoped like the item
    from app.models import Plan

    other_units_plan = helpers.unit_item(Plan, campaign, "SYT")
    assert client.get(f"/plans/{other_units_plan.id}/history").status_code == 404


def test_the_sign_in_page_names_the_agency_and_says_how_to_get_a_new_password(client, world):
    page = client.get("/login").get_data(as_text=True)
    assert "Ủy ban nhân dân tỉnh Lạng Sơn" in page and "Quên mật khẩu?" in page


def test_an_admin_resets_a_password_and_the_person_must_choose_a_new_one(client, world):
    login(client, "admin")
    page = client.get("/admin/users").get_data(as_text=True)
    r = client.post("/admin/users/staff_a/reset-password", data={"csrf_token": csrf_of(page)},
                    follow_redirects=True)
    body = r.get_data(as_text=True)
    temporary = re.search(r"Mật khẩu tạm thời của tài khoản staff_a: (\S+) —", body).group(1)
    assert "Chờ đặt mật khẩu mới" in body
    r = login(client, "staff_a")  # the old password no longer works
    assert r.status_code == 422
    r = login(client, "staff_a", temporary)
    assert r.status_code == 302
    r = client.get("/")  # every page leads to choosing a new password first
    assert r.status_code == 302 and r.headers["Location"] == "/account/password"
    page = client.get("/account/password").get_data(as_text=True)
    assert "hãy đặt mật khẩu mới" in page
    r = client.post("/account/password", data={
        "csrf_token": csrf_of(page), "current": temporary, "new": "mat-khau-rieng-123",
        "confirm": "mat-khau-rieng-123"})
    assert r.status_code == 302
    assert client.get("/").status_code == 200
    db.session.refresh(world.users["staff_a"])
    assert world.users["staff_a"].must_change_password is False
    login(client, "head_a")
    assert client.post("/admin/users/staff_a/reset-password",
                       data={"csrf_token": csrf_of(client.get("/").get_data(as_text=True))}
                       ).status_code == 403


def test_edit_forms_are_offered_only_to_who_can_save_them(client, world, campaign):
    plan = helpers.complete_plan(world, campaign)
    for who in ("head_a", "appraiser", "chairman"):
        login(client, who)
        r = client.get(f"/plans/{plan.id}/edit")
        assert r.status_code == 302 and r.headers["Location"] == f"/plans/{plan.id}", who
    login(client, "staff_a")
    assert client.get(f"/plans/{plan.id}/edit").status_code == 200
    helpers.fire(world, "plan", plan, "staff_a", "submit")
    r = client.get(f"/plans/{plan.id}/edit", follow_redirects=True)
    assert "Kế hoạch đã gửi đi, không thể sửa" in r.get_data(as_text=True)
    assert client.get("/campaigns/new").status_code == 403
    assert client.get(f"/campaigns/{campaign.id}/edit").status_code == 403


def test_the_campaign_form_comes_in_sections_and_a_launched_one_offers_only_its_deadlines(
        client, world, campaign):
    from datetime import date

    login(client, "board_head")
    new = client.get("/campaigns/new").get_data(as_text=True)
    assert new.count('class="form-section"') == 6 and "disabled" not in new
    assert "<details" in new  # empty content slots fold away
    # Issue 22 #12: the section links are numbered in their own text, like the legends, so
    # they never read «…chung2. Thời gian…»
    nav = re.search(r'<ol class="form-sections">(.*?)</ol>', new, re.S).group(1)
    links = re.findall(r'<li><a href="#(sec-[a-z]+)">([^<]+)</a></li>', nav)
    assert [t for _, t in links] == [
        "1. Thông tin chung", "2. Thời gian, hạn nộp", "3. Nội dung, chỉ tiêu",
        "4. Hình thức khen thưởng", "5. Đơn vị tham gia", "6. Ký, nơi nhận"]
    for anchor, _ in links:
        assert f'id="{anchor}"' in new
    page = client.get(f"/campaigns/{campaign.id}/edit").get_data(as_text=True)
    general = re.search(r'<fieldset class="form-section" id="sec-general"([^>]*)>', page)
    assert "disabled" in general.group(1)
    assert re.search(r'id="plan_deadline" name="plan_deadline"\s+value=', page)
    r = client.post(f"/campaigns/{campaign.id}/edit", data={
        "csrf_token": csrf_of(page), "version": campaign.version,
        "plan_deadline": "20/12/2026", "dossier_deadline": "30/12/2026", "accepts_late": "1"})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    db.session.refresh(campaign)
    assert campaign.plan_deadline == date(2026, 12, 20) and campaign.accepts_late
    helpers.fire(world, "campaign", campaign, "board_head", "close")
    r = client.get(f"/campaigns/{campaign.id}/edit")
    assert r.status_code == 302 and r.headers["Location"] == f"/campaigns/{campaign.id}"


def test_what_the_campaign_form_offers_follows_the_process_definition(
        client, world, campaign, monkeypatch):
    """The form asks the campaign process which states leave its content editable
    (workflows/campaign.py), rather than naming them itself."""
    import dataclasses

    from workflows import CAMPAIGN

    login(client, "board_head")
    content = CAMPAIGN.edits["content"]
    monkeypatch.setitem(CAMPAIGN.edits, "content", dataclasses.replace(
        content, states=content.states | {"launched"}))
    page = client.get(f"/campaigns/{campaign.id}/edit").get_data(as_text=True)
    assert campaign.state == "launched"
    assert "disabled" not in page and "Phong trào đã phát động" not in page


def test_the_favicon_answers_signed_in_or_not(client):
    with client.get("/favicon.ico") as r:
        assert r.status_code == 200 and r.mimetype == "image/vnd.microsoft.icon"
        assert r.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    page = client.get("/login").get_data(as_text=True)
    assert 'rel="icon" href="/favicon.ico"' in page


def test_the_409_page_hands_back_what_was_typed(client, world, campaign):
    plan = helpers.complete_plan(world, campaign)
    helpers.fire(world, "plan", plan, "staff_a", "submit")
    login(client, "head_a")
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    stale = plan.version
    helpers.fire(world, "plan", plan, "head_a", "sign_off")  # someone acted first
    r = client.post(f"/plans/{plan.id}/transitions", data={
        "csrf_token": csrf_of(page), "trigger": "head_return", "version": stale,
        "comment": "Bổ sung chỉ tiêu <số 3> & sửa lỗi chính tả"})
    body = r.get_data(as_text=True)
    assert r.status_code == 409 and "Nội dung bạn đã nhập (chưa được lưu)" in body
    assert 'readonly' in body and "Lý do / ý kiến" in body
    assert "Bổ sung chỉ tiêu &lt;số 3&gt; &amp; sửa lỗi chính tả" in body
    assert csrf_of(page) not in body.split("Nội dung bạn đã nhập")[1]


def test_a_decisions_nơi_nhận_are_edited_row_by_row_and_addresses_shown_only_to_the_board(
        client, world, campaign):
    from app.services import decisions as decision_service

    decision = decision_service.create_decision(world.users["appraiser"], {
        "campaign_id": campaign.id, "award_form": "BKCT"})
    login(client, "appraiser")
    page = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
    assert "Tên | thư điện tử" not in page and 'value="stc@tdkt.test"' in page
    r = client.post(f"/decisions/{decision.id}/recipients", data={
        "csrf_token": csrf_of(page), "version": decision.version,
        "entry_label": ["Như Điều 3", "Cổng Thông tin điện tử tỉnh", ""],
        "entry_email": ["", "cong@tdkt.test", ""]}, follow_redirects=True)
    assert r.status_code == 200
    db.session.refresh(decision)
    assert [(e.label, e.email) for e in decision.recipients] == [
        ("Như Điều 3", None), ("Cổng Thông tin điện tử tỉnh", "cong@tdkt.test")]
    login(client, "chairman")
    page = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
    assert "Cổng Thông tin điện tử tỉnh" in page and "cong@tdkt.test" not in page


def _buttons_asking(page):
    """Each button that asks before sending: its question."""
    return re.findall(r'<button[^>]*data-confirm="([^"]*)"', page, re.S)


def test_every_confirmation_is_asked_by_the_button_that_sends_and_bulk_decline_asks(
        client, world, campaign):
    """One mechanism: the sending button carries the question (no form asks on its own,
    which asked twice when its button asked too). Steps and strikes ask in the process's
    words; a page's own destructive buttons ask in theirs, bulk decline included."""
    from app.services import decisions, dossiers
    from workflows import DECISION, DOSSIER, PLAN

    plan = helpers.complete_plan(world, campaign)
    helpers.fire(world, "plan", plan, "staff_a", "submit")
    dossier = helpers.complete_dossier(world, campaign)
    helpers.fire(world, "dossier", dossier, "staff_a", "submit")
    helpers.fire(world, "dossier", dossier, "head_a", "sign_off")
    helpers.fire(world, "dossier", dossier, "appraiser", "start_appraisal")
    pages = {}
    login(client, "head_a")
    pages["plan"] = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert PLAN.step("sign_off", "awaiting_head").question in _buttons_asking(pages["plan"])
    login(client, "appraiser")
    pages["dossier"] = client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    asked = _buttons_asking(pages["dossier"])
    assert DOSSIER.step("reject", "in_appraisal").question in asked
    decline = re.search(r'<button[^>]*value="declined"[^>]*data-confirm="([^"]*)"[^>]*>'
                        r'Không đề nghị các mục đã chọn', pages["dossier"])
    assert decline and "Không đề nghị" in decline.group(1), "bulk decline asks first"
    assert any(q.startswith("Chấp nhận cả 3 ") for q in asked)

    for n in dossier.nominees:
        dossiers.set_verdict(world.users["appraiser"], dossier.id, n.id, "accepted")
    helpers.fire(world, "dossier", dossier, "appraiser", "complete_appraisal")
    decision = decisions.create_decision(world.users["appraiser"],
                                         {"campaign_id": campaign.id, "award_form": "BKCT"})
    decisions.add_nominees(world.users["appraiser"], decision.id,
                           [n.id for n in dossier.nominees])
    helpers.fire(world, "decision", decision, "appraiser", "submit")
    helpers.fire(world, "decision", decision, "board_head", "sign_proposal")
    login(client, "chairman")
    pages["decision"] = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
    assert DECISION.edits["strikes"].confirm in _buttons_asking(pages["decision"])
    login(client, "admin")
    pages["users"] = client.get("/admin/users").get_data(as_text=True)
    assert any(q.startswith("Đặt lại mật khẩu cho ") for q in _buttons_asking(pages["users"]))
    for name, page in pages.items():
        assert not re.search(r"<form[^>]*data-confirm", page), name
