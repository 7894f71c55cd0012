"""The regular year on the pages (issue 24): the Board's campaign form creates and edits a
year (kind, year, registration deadline, «Chặn danh hiệu chưa đăng ký»); the unit's staff
drafts its registration on a page (add, change, remove a line, save, send to the head)
and adds lines from the Excel template. Every refusal is in Vietnamese and changes
nothing."""
import io
from datetime import timedelta

import openpyxl
import sqlalchemy as sa

from app.clock import today
from app.extensions import db
from app.models import Campaign, Registration, RegistrationEntry
from app.services import registrations
from tests import helpers
from tests.web.test_views import csrf_of, login


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _year_form(token, **overrides):
    year = today().year
    form = {
        "csrf_token": token, "code": "TDTX-WEB", "kind": "regular", "year": str(year),
        "title": f"Phong trào thi đua thường xuyên năm {year}", "launch_type": "ke_hoach",
        "period_start": f"01/01/{year}", "period_end": f"31/12/{year}",
        "registration_deadline": (today() + timedelta(days=10)).strftime("%d/%m/%Y"),
        "dossier_deadline": f"31/12/{year}", "vote_threshold": "70",
        "block_unregistered": "1",
        "award_forms": ["CSTDT", "TTLDXS", "CSTDCS", "BKCT"],
        "participants": ["SYT", "PDK"], "signer": "chairman",
        "launch_recipients": "PD", "decision_recipients": "QD",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def test_the_board_creates_a_regular_year_on_the_form_and_bad_input_saves_nothing(client, world):
    login(client, "board_head")
    page = client.get("/campaigns/new").get_data(as_text=True)
    assert "Thi đua thường xuyên" in page and "Chặn danh hiệu chưa đăng ký" in page
    # unit-level titles are offered, marked as the regular year's
    assert "Danh hiệu Lao động tiên tiến" in page and "chỉ thi đua thường xuyên" in page
    token = csrf_of(page)

    refusals = [
        (_year_form(token, year=""), "Năm thi đua thường xuyên cần ghi năm."),
        (_year_form(token, year="hai nghìn"), "«Năm thi đua»: ghi năm bằng số"),
        (_year_form(token, registration_deadline="31/02/2026"), "«Hạn đăng ký thi đua»: ngày"),
        # a movement has no registration
        (_year_form(token, kind="movement", block_unregistered=None, year=""),
         "chỉ dành cho thi đua thường xuyên"),
        (_year_form(token, kind="yearly", year="", registration_deadline="",
                    block_unregistered=None), "Loại phong trào không hợp lệ"),
        # a movement never offers the unit-level titles
        (_year_form(token, kind="movement", year="", registration_deadline="",
                    block_unregistered=None, award_forms=["CSTDCS"],
                    **{"content-0-title": "Thi đua cải cách hành chính"}),
         "do thủ trưởng đơn vị quyết định"),
    ]
    for form, message in refusals:
        r = client.post("/campaigns/new", data=form)
        assert r.status_code == 422, message
        assert message in r.get_data(as_text=True), message
        assert _count(Campaign) == 0, message

    r = client.post("/campaigns/new", data=_year_form(token))
    assert r.status_code == 302, r.get_data(as_text=True)
    year = db.session.scalars(sa.select(Campaign)).one()
    assert (year.kind, year.year, year.block_unregistered) == ("regular", today().year, True)
    assert year.registration_deadline == today() + timedelta(days=10)
    assert {f.award_form.code for f in year.award_forms} == {"CSTDT", "TTLDXS", "CSTDCS", "BKCT"}

    # the edit form keeps the kind; the block may be lifted
    page = client.get(f"/campaigns/{year.id}/edit").get_data(as_text=True)
    assert 'name="fixed_kind" value="regular"' in page
    form = _year_form(csrf_of(page), kind=None, code=None, block_unregistered=None,
                      fixed_kind="regular", version=str(year.version))
    assert client.post(f"/campaigns/{year.id}/edit", data=form).status_code == 302
    db.session.refresh(year)
    assert year.block_unregistered is False and year.kind == "regular"

    # launched: only the deadlines and the block may change
    launched = helpers.fire(world, "campaign", year, "board_head", "launch")
    assert launched.state == "launched"
    page = client.get(f"/campaigns/{year.id}/edit").get_data(as_text=True)
    later = (today() + timedelta(days=20)).strftime("%d/%m/%Y")
    r = client.post(f"/campaigns/{year.id}/edit", data={
        "csrf_token": csrf_of(page), "version": str(launched.version), "fixed_kind": "regular",
        "registration_deadline": later, "dossier_deadline": f"31/12/{today().year}",
        "block_unregistered": "1", "decision_recipients": "QD"})
    assert r.status_code == 302
    db.session.refresh(year)
    assert year.registration_deadline == today() + timedelta(days=20)
    assert year.block_unregistered is True

    login(client, "staff_a")
    assert client.get("/campaigns/new").status_code == 403
    assert client.post("/campaigns/new", data=_year_form(token, code="X")).status_code in (400, 403)
    assert _count(Campaign) == 1


def _lines(token, version, rows, **extra):
    data = {"csrf_token": token, "version": str(version), "rows": str(len(rows)), **extra}
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"e{i}-{key}"] = value
    return data


COLLECTIVE = {"kind": "collective", "name": "Sở Y tế", "position_title": "",
              "organisation": "", "award_form": "TTLDXS"}
AN = {"kind": "individual", "name": "Nguyễn Văn An", "position_title": "Trưởng phòng",
      "organisation": "Sở Y tế", "award_form": "CSTDT"}
BICH = {"kind": "individual", "name": "Lê Thị Bích", "position_title": "Chuyên viên",
        "organisation": "Sở Y tế", "award_form": "CSTDCS"}


def test_the_staff_drafts_the_registration_on_its_page_and_sends_it(client, world):
    year = helpers.make_year(world)
    reg = helpers.unit_item(Registration, year, "SYT")
    url = f"/registrations/{reg.id}/edit"

    # only the unit's staff drafts it: another unit sees nothing, the head reads it
    login(client, "staff_b")
    assert client.get(url).status_code == 404
    login(client, "head_a")
    r = client.get(url)
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/registrations/{reg.id}")
    assert "Soạn / sửa" not in client.get(f"/registrations/{reg.id}").get_data(as_text=True)

    login(client, "staff_a")
    item = client.get(f"/registrations/{reg.id}").get_data(as_text=True)
    assert "Soạn / sửa đăng ký thi đua" in item
    page = client.get(url).get_data(as_text=True)
    token = csrf_of(page)
    # the year's titles only: no Bằng khen, no Giấy khen in the choice
    assert "Danh hiệu Chiến sĩ thi đua cấp tỉnh" in page and ">Bằng khen" not in page

    # refused lines: nothing saved, the line marked, what was typed still there
    for row, message in (
            ({**AN, "award_form": "BKCT"}, "Bằng khen, Giấy khen không đăng ký thi đua"),
            ({**COLLECTIVE, "award_form": "CSTDT"}, "chỉ dành cho cá nhân"),
            ({**AN, "name": "", "award_form": "CSTDT"}, "«Tên tập thể hoặc họ tên cá nhân»: bắt buộc."),
            ({**AN, "kind": "nobody"}, "Chọn «Tập thể» hoặc «Cá nhân»")):
        r = client.post(url, data=_lines(token, reg.version, [COLLECTIVE, row], op="save"))
        html = r.get_data(as_text=True)
        assert r.status_code == 422 and message in html, message
        assert 'aria-invalid="true"' in html and "Chưa lưu" in html
        assert 'value="Sở Y tế"' in html
        assert _count(RegistrationEntry) == 0
        db.session.refresh(reg)
        assert reg.version == 1

    # saved: three lines and five empty ones below
    r = client.post(url, data=_lines(token, reg.version, [COLLECTIVE, AN, BICH, {
        "kind": "individual", "name": "", "position_title": "", "organisation": "",
        "award_form": ""}], op="save", note="Đăng ký đầu năm"))
    assert r.status_code == 302 and r.headers["Location"].endswith(url)
    db.session.refresh(reg)
    assert [(e.name, e.award_form.code) for e in reg.entries] == [
        ("Sở Y tế", "TTLDXS"), ("Nguyễn Văn An", "CSTDT"), ("Lê Thị Bích", "CSTDCS")]
    assert reg.note == "Đăng ký đầu năm"
    page = client.get(url).get_data(as_text=True)
    assert 'name="rows" value="8"' in page and 'value="Lê Thị Bích"' in page

    # an older page's save is refused (someone saved in between): nothing changes
    stale = client.post(url, data=_lines(token, 1, [COLLECTIVE], op="save"))
    assert stale.status_code == 409 and "vẫn còn dưới đây" in stale.get_data(as_text=True)
    assert len(reg.entries) == 3

    # change a line, remove one, then save and send to the head
    r = client.post(url, data=_lines(token, reg.version, [
        COLLECTIVE, {**AN, "position_title": "Phó Giám đốc"}, BICH], op="save_submit",
        **{"e2-remove": "1"}))
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/registrations/{reg.id}")
    db.session.refresh(reg)
    assert reg.state == "awaiting_head"
    assert [(e.name, e.position_title) for e in reg.entries] == [
        ("Sở Y tế", ""), ("Nguyễn Văn An", "Phó Giám đốc")]
    # sent: the page is no longer offered
    r = client.get(url)
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/registrations/{reg.id}")
    r = client.post(url, data=_lines(token, reg.version, [COLLECTIVE], op="save"))
    assert r.status_code == 409 and len(reg.entries) == 2


def test_an_empty_registration_is_saved_but_not_sent(client, world):
    year = helpers.make_year(world)
    reg = helpers.unit_item(Registration, year, "SYT")
    login(client, "staff_a")
    url = f"/registrations/{reg.id}/edit"
    token = csrf_of(client.get(url).get_data(as_text=True))
    r = client.post(url, data=_lines(token, reg.version, [], op="save_submit"),
                    follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "Đã lưu, nhưng chưa trình thủ trưởng" in html
    db.session.refresh(reg)
    assert reg.state == "draft"


def _sheet(rows, headings=None):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = registrations.ENTRY_SHEET
    ws.append(headings or [c.heading for c in registrations.ENTRY_COLUMNS])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_the_registration_lines_come_from_the_excel_template_all_or_none(client, world):
    year = helpers.make_year(world)
    reg = helpers.unit_item(Registration, year, "SYT")
    registrations.update_registration(world.users["staff_a"], reg.id, {"entries": [
        {"kind": "collective", "name": "Sở Y tế", "award_form": "TTLDXS"}]}, reg.version)
    login(client, "staff_a")
    url = f"/registrations/{reg.id}/edit"
    page = client.get(url).get_data(as_text=True)
    token = csrf_of(page)

    # the template: the headings, the year's titles as the drop-down (no Bằng khen)
    r = client.get(f"/registrations/{reg.id}/mau.xlsx")
    assert r.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(r.data))
    r.close()
    assert [c.value for c in wb[registrations.ENTRY_SHEET][1]] == [
        "Loại", "Tên tập thể, họ tên cá nhân", "Chức vụ", "Đơn vị công tác", "Danh hiệu đăng ký"]
    offered = [row[4] for row in wb["Danh mục"].iter_rows(values_only=True) if row[4]]
    assert "Danh hiệu Chiến sĩ thi đua cấp tỉnh" in offered
    assert not any("Bằng khen" in name for name in offered)

    def upload(data):
        return client.post(f"/registrations/{reg.id}/nhap-excel", data={
            "csrf_token": token, "version": str(reg.version), "file": (io.BytesIO(data), "dk.xlsx")})

    bad = _sheet([
        ["Cá nhân", "Nguyễn Văn An", "Trưởng phòng", "Sở Y tế", "Danh hiệu Chiến sĩ thi đua cấp tỉnh"],
        ["Cá nhân", "Trần Thị Cúc", "", "Sở Y tế", "Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh"],
        ["cá nhân", "nguyễn văn  an", "", "sở y tế", "CSTDT"],
        ["Tập thể", "Sở Y tế", "", "", "Danh hiệu Tập thể lao động xuất sắc"],
        ["Tập thể", "Phòng Nghiệp vụ Y", "", "", "Danh hiệu Chiến sĩ thi đua cấp tỉnh"],
        ["Ai đó", "", "", "", ""],
    ])
    r = upload(bad)
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    for problem in ("Dòng 3, cột «Danh hiệu đăng ký»: chọn một danh hiệu thi đua",
                    "Dòng 4: nguyễn văn  an đã đăng ký «Danh hiệu Chiến sĩ thi đua cấp tỉnh» ở dòng 2",
                    "Dòng 5: Sở Y tế đã đăng ký «Danh hiệu Tập thể lao động xuất sắc» ở bản đăng ký",
                    "Dòng 6, cột «Danh hiệu đăng ký»: «Danh hiệu Chiến sĩ thi đua cấp tỉnh» chỉ "
                    "dành cho cá nhân",
                    "Dòng 7, cột «Loại»: chọn «Tập thể» hoặc «Cá nhân»",
                    "Dòng 7, cột «Tên tập thể, họ tên cá nhân»: chưa điền"):
        assert problem in html, problem
    assert "Chưa nhập dòng nào" in html
    db.session.refresh(reg)
    assert len(reg.entries) == 1 and reg.version == 2

    wrong = upload(_sheet([["Cá nhân", "An"]], headings=["Loại", "Tên"]))
    assert wrong.status_code == 422 and "tiêu đề cột không đúng mẫu" in wrong.get_data(as_text=True)
    none = client.post(f"/registrations/{reg.id}/nhap-excel", data={
        "csrf_token": token, "version": str(reg.version)})
    assert none.status_code == 422 and "Chọn tệp Excel" in none.get_data(as_text=True)

    good = _sheet([
        ["Cá nhân", "Nguyễn Văn An", "Trưởng phòng", "Sở Y tế", "Danh hiệu Chiến sĩ thi đua cấp tỉnh"],
        ["Cá nhân", "Lê Thị Bích", "Chuyên viên", "Sở Y tế", "CSTDCS"],
    ])
    r = upload(good)
    assert r.status_code == 302
    db.session.refresh(reg)
    assert [(e.name, e.award_form.code) for e in reg.entries] == [
        ("Sở Y tế", "TTLDXS"), ("Nguyễn Văn An", "CSTDT"), ("Lê Thị Bích", "CSTDCS")]
    assert "Đã thêm 2 dòng đăng ký từ tệp Excel." in client.get(url).get_data(as_text=True)

    # another unit's staff, the head: no template, no import
    login(client, "staff_b")
    assert client.get(f"/registrations/{reg.id}/mau.xlsx").status_code == 404
    login(client, "head_a")
    assert client.get(f"/registrations/{reg.id}/mau.xlsx").status_code == 403
    token = csrf_of(client.get(f"/registrations/{reg.id}").get_data(as_text=True))
    r = client.post(f"/registrations/{reg.id}/nhap-excel", data={
        "csrf_token": token, "version": str(reg.version), "file": (io.BytesIO(good), "dk.xlsx")})
    assert r.status_code == 403
    db.session.refresh(reg)
    assert len(reg.entries) == 3
