"""The pages, server side: sign-in, the inbox, item pages, actions through forms, refusals."""
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Dossier, Plan, WorkflowEvent
from tests import helpers
from tests.conftest import PASSWORD


def csrf_of(html):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def login(client, username, password=PASSWORD):
    """Sign in as ``username`` (signing out whoever was signed in on this client)."""
    page = client.get("/login")
    if page.status_code == 302:
        client.post("/logout", data={"csrf_token": csrf_of(client.get("/").get_data(as_text=True))})
        page = client.get("/login")
    return client.post("/login", data={"csrf_token": csrf_of(page.get_data(as_text=True)),
                                       "username": username, "password": password})


def test_pages_need_sign_in(client, world):
    r = client.get("/")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login?next=")


def test_sign_in_lands_on_my_work_and_sign_out_ends_it(client, world):
    r = login(client, "staff_a")
    assert r.status_code == 302 and r.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Việc cần xử lý" in page and "Nguyễn Thị Lan" in page
    r = client.post("/logout", data={"csrf_token": csrf_of(page)})
    assert r.status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_in_vietnamese(client, world):
    r = login(client, "staff_a", "sai-mat-khau")
    assert r.status_code == 422
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in r.get_data(as_text=True)


def test_sign_in_never_redirects_off_site(client, world):
    page = client.get("/login?next=//evil.example/x")
    r = client.post("/login?next=//evil.example/x", data={
        "csrf_token": csrf_of(page.get_data(as_text=True)), "username": "staff_a",
        "password": PASSWORD})
    assert r.headers["Location"] == "/"


def test_a_form_without_its_csrf_token_is_refused(client, world, campaign):
    login(client, "staff_a")
    plan = helpers.complete_plan(world, campaign)
    r = client.post(f"/plans/{plan.id}/transitions", data={"trigger": "submit",
                                                          "version": plan.version})
    assert r.status_code == 400
    assert "mã bảo vệ" in r.get_data(as_text=True)
    db.session.refresh(plan)
    assert plan.state == "draft"


def test_password_change_validates_in_vietnamese(client, world):
    login(client, "staff_a")
    page = client.get("/account/password").get_data(as_text=True)
    r = client.post("/account/password", data={"csrf_token": csrf_of(page), "current": PASSWORD,
                                               "new": "ngan", "confirm": "khac"})
    body = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "Mật khẩu mới tối thiểu 8 ký tự." in body and "Hai lần nhập không khớp." in body
    r = client.post("/account/password", data={"csrf_token": csrf_of(page), "current": "sai",
                                               "new": "mat-khau-moi-123",
                                               "confirm": "mat-khau-moi-123"})
    assert "Mật khẩu hiện tại không đúng." in r.get_data(as_text=True)
    r = client.post("/account/password", data={"csrf_token": csrf_of(page), "current": PASSWORD,
                                               "new": "mat-khau-moi-123",
                                               "confirm": "mat-khau-moi-123"})
    assert r.status_code == 302
    db.session.refresh(world.users["staff_a"])
    assert world.users["staff_a"].check_password("mat-khau-moi-123")


def test_the_whole_front_half_through_the_pages(client, world, campaign):
    plan = helpers.complete_plan(world, campaign)
    login(client, "staff_a")
    inbox = client.get("/").get_data(as_text=True)
    assert f"/plans/{plan.id}" in inbox
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert 'aria-current="step">Đang soạn' in page
    assert 'data-trigger="submit"' in page  # the one button this person may press
    assert 'data-trigger="sign_off"' not in page
    r = client.post(f"/plans/{plan.id}/transitions", data={
        "csrf_token": csrf_of(page), "trigger": "submit", "version": plan.version})
    assert r.status_code == 302
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "Đã thực hiện: Trình thủ trưởng." in page
    assert 'aria-current="step">Chờ thủ trưởng ký' in page
    assert "Trình thủ trưởng" in page and "Nguyễn Thị Lan" in page  # the history row


def test_a_return_needs_its_reason(client, world, campaign):
    plan = helpers.complete_plan(world, campaign)
    helpers.fire(world, "plan", plan, "staff_a", "submit")
    login(client, "head_a")
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert 'data-confirm="Trả lại để chỉnh sửa: kế hoạch về lại cán bộ soạn thảo' in page
    assert "Lý do trả lại, những điểm cần sửa (bắt buộc; cán bộ soạn thảo sẽ đọc)" in page
    db.session.refresh(plan)
    r = client.post(f"/plans/{plan.id}/transitions", data={
        "csrf_token": csrf_of(page), "trigger": "head_return", "version": plan.version,
        "comment": "  "}, follow_redirects=True)
    assert "Bước này cần ghi rõ lý do." in r.get_data(as_text=True)
    db.session.refresh(plan)
    assert plan.state == "awaiting_head"
    r = client.post(f"/plans/{plan.id}/transitions", data={
        "csrf_token": csrf_of(page), "trigger": "head_return", "version": plan.version,
        "comment": "Bổ sung chỉ tiêu"}, follow_redirects=True)
    assert "Bổ sung chỉ tiêu" in r.get_data(as_text=True)


def test_a_stale_page_gets_the_someone_acted_first_page(client, world, campaign):
    plan = helpers.complete_plan(world, campaign)
    login(client, "staff_a")
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    stale = plan.version
    helpers.fire(world, "plan", plan, "staff_a", "submit")
    r = client.post(f"/plans/{plan.id}/transitions", data={
        "csrf_token": csrf_of(page), "trigger": "submit", "version": stale})
    assert r.status_code == 409
    assert "Đã có người xử lý trước" in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(WorkflowEvent.id))) == 2  # launch, submit


def test_a_blocked_button_says_why(client, world, campaign):
    plan = helpers.unit_item(Plan, campaign, "SYT")
    login(client, "staff_a")
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "disabled" in page and "Kế hoạch chưa đầy đủ" in page


@pytest.mark.parametrize("who", ["staff_b", "head_b"])
def test_another_units_items_are_not_found(client, world, campaign, who):
    plan = helpers.unit_item(Plan, campaign, "SYT")
    dossier = helpers.unit_item(Dossier, campaign, "SYT")
    login(client, who)
    for url in (f"/plans/{plan.id}", f"/dossiers/{dossier.id}"):
        r = client.get(url)
        assert r.status_code == 404 and "Không tìm thấy" in r.get_data(as_text=True)


@pytest.mark.parametrize("who", ["board_head", "appraiser", "chairman", "clerk", "staff_a"])
def test_campaign_page_shows_every_participant(client, world, campaign, who):
    login(client, who)
    r = client.get(f"/campaigns/{campaign.id}")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "Tiến độ các đơn vị (2)" in page and "Sở Y tế" in page


def test_the_inbox_and_progress_pages_issue_a_bounded_number_of_queries(app, client, world):
    """Twelve units or two: the same number of SQL statements."""
    from sqlalchemy import event

    from app.models import Unit

    counts = []
    login(client, "appraiser")
    for n_units in (2, 12):
        codes = []
        for i in range(n_units - 2):
            unit = Unit(code=f"X{n_units}{i}", name=f"Đơn vị {i}", kind="department")
            db.session.add(unit)
            codes.append(unit.code)
        db.session.commit()
        campaign = helpers.make_campaign(world, participants=["SYT", "PDK", *codes])
        for plan in db.session.scalars(sa.select(Plan).where(Plan.campaign_id == campaign.id)):
            plan.state = "submitted"
        db.session.commit()
        seen = {"n": 0}

        def count(*_, seen=seen):
            seen["n"] += 1

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get("/").status_code == 200
            inbox_queries = seen["n"]
            seen["n"] = 0
            assert client.get(f"/campaigns/{campaign.id}").status_code == 200
            progress_queries = seen["n"]
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        counts.append((inbox_queries, progress_queries))
    assert counts[0] == counts[1], counts


def test_error_pages_share_the_look(client, world):
    login(client, "staff_a")
    r = client.get("/khong-co-trang-nay")
    assert r.status_code == 404 and "Thi đua – Khen thưởng" in r.get_data(as_text=True)


def test_static_assets_are_served_by_the_app(client):
    r = client.get("/static/vendor/bootstrap/bootstrap.min.css")
    assert r.status_code == 200 and b"Bootstrap" in r.data[:200]
    r.close()


def _campaign_form(code="TD-WEB-1"):
    data = {"code": code, "title": "Phong trào thi đua chào mừng Đại hội",
            "theme": "Đoàn kết, sáng tạo", "launch_type": "ke_hoach",
            "period_start": "01/12/2026", "period_end": "31/12/2026",
            "plan_deadline": "10/12/2026", "dossier_deadline": "05/01/2027",
            "vote_threshold": "70", "content-0-title": "Cải cách hành chính",
            "target-0-0-label": "Hồ sơ đúng hạn", "target-0-0-value": "99,5",
            "target-0-0-unit": "%", "award_forms": ["BKCT"], "quota-BKCT": "3",
            "participants": ["SYT", "PDK"], "signer": "chairman", "decision_recipients": "QD"}
    return data


def test_the_board_creates_and_edits_a_campaign_on_its_form(client, world):
    from app.models import Campaign

    login(client, "board_head")
    page = client.get("/campaigns/new")
    assert page.status_code == 200
    form = _campaign_form()
    r = client.post("/campaigns/new", data={"csrf_token": csrf_of(page.get_data(as_text=True)),
                                            **form})
    assert r.status_code == 302
    campaign = db.session.scalars(sa.select(Campaign)).one()
    assert campaign.title == "Phong trào thi đua chào mừng Đại hội"
    assert [t.value for t in campaign.targets] == [99.5]
    assert sorted(p.unit.code for p in campaign.participants) == ["PDK", "SYT"]
    page = client.get(f"/campaigns/{campaign.id}/edit").get_data(as_text=True)
    assert 'value="Cải cách hành chính"' in page and 'value="10/12/2026"' in page
    r = client.post(f"/campaigns/{campaign.id}/edit", data={
        "csrf_token": csrf_of(page), **form, "title": "Tên mới", "version": campaign.version})
    assert r.status_code == 302
    db.session.refresh(campaign)
    assert campaign.title == "Tên mới"


def test_the_campaign_form_explains_what_is_wrong(client, world):
    login(client, "board_head")
    page = client.get("/campaigns/new").get_data(as_text=True)
    form = {**_campaign_form(), "period_start": "31/02/2026", "title": "",
            "target-0-0-value": "nhiều"}
    r = client.post("/campaigns/new", data={"csrf_token": csrf_of(page), **form},
                    follow_redirects=True)
    body = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "«Từ ngày»: ngày không hợp lệ; ghi theo dạng dd/mm/yyyy, ví dụ 02/09/2025." in body
    assert "«Tên phong trào»: bắt buộc." in body
    assert "Chỉ tiêu «Hồ sơ đúng hạn»: giá trị phải là số." in body
    assert 'value="nhiều"' in body  # what was typed stays in the form


def test_unit_people_cannot_open_the_campaign_form(client, world):
    login(client, "staff_a")
    page = client.get("/").get_data(as_text=True)
    r = client.post("/campaigns/new", data={"csrf_token": csrf_of(page), **_campaign_form()})
    assert r.status_code == 403
    assert "Không có quyền" in r.get_data(as_text=True) or "Chỉ" in r.get_data(as_text=True)


def test_admin_pages_are_for_admins(client, world):
    login(client, "staff_a")
    assert client.get("/admin/units").status_code == 403
    login(client, "admin")
    for url in ("/admin/units", "/admin/users", "/admin/reference"):
        r = client.get(url)
        assert r.status_code == 200, url
    assert "Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh" in client.get(
        "/admin/reference").get_data(as_text=True)


def test_admin_imports_units_from_csv_and_creates_an_account(client, world):
    import io

    from app.models import Unit, User

    login(client, "admin")
    page = client.get("/admin/units").get_data(as_text=True)
    csv = "code,name,kind,parent_code\nSXD,Sở Xây dựng,department,UBND\n".encode("utf-8-sig")
    r = client.post("/admin/units", data={"csrf_token": csrf_of(page),
                                          "file": (io.BytesIO(csv), "don-vi.csv")},
                    content_type="multipart/form-data", follow_redirects=True)
    assert "Đã nhập: 1 đơn vị mới, 0 đơn vị cập nhật." in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(Unit).where(Unit.code == "SXD")).parent.code == "UBND"
    page = client.get("/admin/users").get_data(as_text=True)
    r = client.post("/admin/users", data={
        "csrf_token": csrf_of(page), "username": "canbo.sxd", "full_name": "Phạm Văn Dũng",
        "password": "mat-khau-dai", "unit": "SXD", "roles": ["unit_staff"]},
        follow_redirects=True)
    assert "Đã lưu tài khoản canbo.sxd." in r.get_data(as_text=True)
    user = db.session.scalar(sa.select(User).where(User.username == "canbo.sxd"))
    assert user.roles == {"unit_staff"} and user.unit.code == "SXD"


def test_my_notifications_and_marking_them_read(client, world, campaign):
    plan = helpers.complete_plan(world, campaign)
    helpers.fire(world, "plan", plan, "staff_a", "submit")
    login(client, "head_a")
    page = client.get("/notifications").get_data(as_text=True)
    assert "Trình thủ trưởng" in page and "Chưa đọc" in page
    assert 'id="unread">2<' in page  # the launch, and the plan waiting for a signature
    client.post("/notifications/read", data={"csrf_token": csrf_of(page)})
    page = client.get("/notifications").get_data(as_text=True)
    assert 'id="unread">0<' in page and "Chưa đọc" not in page


def test_a_resubmitted_dossier_shows_what_changed(client, world, campaign):
    from app.services import dossiers as dossier_service

    dossier = helpers.complete_dossier(world, campaign)
    helpers.fire(world, "dossier", dossier, "staff_a", "submit")
    helpers.fire(world, "dossier", dossier, "head_a", "sign_off")
    helpers.fire(world, "dossier", dossier, "appraiser", "start_appraisal")
    helpers.fire(world, "dossier", dossier, "appraiser", "return_to_unit", "Sửa số phiếu")
    first = dossier.nominees[0]
    dossier_service.update_nominee(world.users["staff_a"], dossier.id, first.id,
                                   {"votes_for": 8})
    helpers.fire(world, "dossier", dossier, "staff_a", "submit")
    login(client, "head_a")
    page = client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    assert "Thay đổi so với lần gửi trước" in page
    assert f"Sửa {first.name}: số phiếu." in page


def test_campaign_progress_filters_by_state_with_counts(client, world, campaign):
    plan = helpers.complete_plan(world, campaign)
    helpers.fire(world, "plan", plan, "staff_a", "submit")
    login(client, "appraiser")
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "Chờ thủ trưởng ký: 1" in page and "Đang soạn: 1" in page
    page = client.get(f"/campaigns/{campaign.id}?state=awaiting_head").get_data(as_text=True)
    assert "Tiến độ các đơn vị (1)" in page and "Sở Y tế" in page


def test_the_board_edits_recipient_lists_and_a_decisions_recipients(client, world, campaign):
    from app.models import DistributionList
    from app.services import decisions as decision_service

    login(client, "board_head")
    page = client.get("/distribution-lists").get_data(as_text=True)
    assert 'value="Sở Tài chính"' in page and 'value="stc@tdkt.test"' in page
    r = client.post("/distribution-lists", data={
        "csrf_token": csrf_of(page), "code": "QD", "name": "Nơi nhận quyết định",
        "entries": "Như Điều 3\nSở Tài chính | stc@tdkt.test\nLưu: VT, SNV"},
        follow_redirects=True)
    assert "Đã lưu." in r.get_data(as_text=True)
    lst = db.session.scalar(sa.select(DistributionList).where(DistributionList.code == "QD"))
    assert [(e.label, e.email) for e in lst.entries] == [
        ("Như Điều 3", None), ("Sở Tài chính", "stc@tdkt.test"), ("Lưu: VT, SNV", None)]
    decision = decision_service.create_decision(world.users["appraiser"], {
        "campaign_id": campaign.id, "award_form": "BKCT"})
    page = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
    r = client.post(f"/decisions/{decision.id}/recipients", data={
        "csrf_token": csrf_of(page), "version": decision.version,
        "entries": "Như Điều 3\nCổng Thông tin điện tử tỉnh | cong@tdkt.test"},
        follow_redirects=True)
    assert "Cổng Thông tin điện tử tỉnh" in r.get_data(as_text=True)
    db.session.refresh(decision)
    assert [r.label for r in decision.recipients] == ["Như Điều 3", "Cổng Thông tin điện tử tỉnh"]
    login(client, "staff_a")
    assert client.get("/distribution-lists").status_code == 403


def test_the_board_sees_failed_mail_and_sends_it_again(client, world, campaign):
    from app.models import OutboxMessage

    plan = helpers.complete_plan(world, campaign)
    helpers.fire(world, "plan", plan, "staff_a", "submit")
    row = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.status == "pending")).first()
    row.status, row.attempts, row.last_error = "failed", 6, "Connection refused"
    db.session.commit()
    login(client, "appraiser")
    page = client.get("/outbox").get_data(as_text=True)
    assert "Connection refused" in page and "Gửi lại" in page
    r = client.post(f"/outbox/{row.id}/resend", data={"csrf_token": csrf_of(page)},
                    follow_redirects=True)
    assert "Đã đưa thư vào hàng đợi gửi lại." in r.get_data(as_text=True)
    db.session.refresh(row)
    assert (row.status, row.attempts) == ("pending", 0)
    login(client, "staff_a")
    assert client.get("/outbox").status_code == 403


def test_the_units_import_explains_its_columns_in_vietnamese(client, world):
    """Issue 22 #10: the CSV keeps its column names; the page says what each one holds, with
    an example, and the examples themselves import."""
    import csv
    import io
    import re

    from app.models import Unit
    from app.services.org import UNIT_CSV_COLUMNS

    login(client, "admin")
    page = client.get("/admin/units").get_data(as_text=True)
    rows = re.findall(r"<tr><td><code>([a-z_]+)</code></td><td>([^<]+)</td>"
                      r"<td><code>([^<]*)</code></td></tr>",
                      page)
    assert [r[0] for r in rows] == list(UNIT_CSV_COLUMNS)
    meanings = dict((c, m) for c, m, _ in rows)
    assert meanings["parent_code"].startswith("Mã đơn vị cấp trên")
    assert meanings["pays_awards"].startswith("Đơn vị chi tiền thưởng")
    examples = {c: e for c, _, e in rows}
    examples.update(code="SXD", name="Sở Xây dựng", parent_code="UBND")
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(examples)
    writer.writerow(examples.values())
    r = client.post("/admin/units", data={
        "csrf_token": csrf_of(page),
        "file": (io.BytesIO(text.getvalue().encode("utf-8")), "don-vi.csv")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "Đã nhập: 1 đơn vị mới" in r.get_data(as_text=True), r.get_data(as_text=True)[-3000:]
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == "SXD"))
    assert unit.header_lines == "ỦY BAN NHÂN DÂN\nTỈNH LẠNG SƠN" and unit.pays_awards
