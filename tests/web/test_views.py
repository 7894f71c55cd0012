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
    assert 'data-confirm="Xác nhận: Trả lại để chỉnh sửa?"' in page
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

        def count(*_):
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
