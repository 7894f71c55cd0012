"""Kết quả cuối năm in Chromium: the unit's staff reaches it from the navigation bar and
enters a rating row, a unit decision, a hold and an initiative, then corrects them; the
Board's appraiser sees, beside a nominee on the dossier's appraisal page, the eligibility
evidence those records give."""
from datetime import timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from app.clock import today
from app.extensions import db
from app.models import AwardRecord, Dossier, ResultChange
from tests import helpers
from tests.browser.support import saved, shot, submit


def _day(days):
    return (today() - timedelta(days=days)).strftime("%d/%m/%Y")


def test_the_units_staff_enters_and_corrects_its_year_end_results(desk, world):
    page = desk.page("staff_a", "/")
    page.get_by_role("navigation").get_by_role("link", name="Kết quả cuối năm").click()
    year = today().year
    expect(page.get_by_role("heading", name=f"Kết quả cuối năm {year}")).to_be_visible()

    # one rating row, then the same person re-rated from the table's own row
    form = page.locator("#rate-one")
    form.get_by_label("Tên tập thể, họ tên cá nhân").fill("Lý Văn Một")
    form.get_by_label("Đơn vị công tác").fill("SYT")
    form.get_by_label("Thuộc tập thể").fill("Khoa Nội")
    form.get_by_label("Xếp loại").select_option(label="Hoàn thành tốt nhiệm vụ")
    submit(page, form.get_by_role("button", name="Ghi một xếp loại"))
    saved(page, "Đã ghi xếp loại.")
    row = page.locator("#ratings tbody tr", has_text="Lý Văn Một")
    expect(row).to_contain_text("Hoàn thành tốt nhiệm vụ")
    row.get_by_label("Xếp loại của Lý Văn Một", exact=True).select_option(
        label="Hoàn thành xuất sắc nhiệm vụ")
    submit(page, row.get_by_role("button", name="Lưu xếp loại của Lý Văn Một"))
    saved(page, "Đã sửa xếp loại.")
    expect(page.locator("#ratings tbody tr", has_text="Lý Văn Một")).to_contain_text(
        "Hoàn thành xuất sắc nhiệm vụ")

    # a unit decision of two names
    page.get_by_label("Danh hiệu, hình thức").select_option(label="Danh hiệu Lao động tiên tiến")
    page.locator("#d-number").fill("7/QĐ-SYT")
    page.locator("#d-date").fill(_day(3))
    page.locator("#d-signer").fill("Giám đốc Sở Y tế")
    page.locator("#d-org").fill("SYT")
    page.locator("#d-names").fill("Lý Văn Một\nLý Văn Hai")
    submit(page, page.get_by_role("button", name="Ghi quyết định"))
    saved(page, "Đã ghi quyết định vào sổ khen thưởng")
    expect(page.locator("#unit-decisions")).to_contain_text("Lý Văn Hai")

    # a hold, still running
    page.locator("#h-name").fill("Lý Văn Hai")
    page.locator("#h-org").fill("SYT")
    page.locator("#h-kind").select_option(label="Thanh tra, kiểm tra có dấu hiệu vi phạm")
    page.locator("#h-paper").fill("Kết luận thanh tra số 3/KL-TTr")
    page.locator("#h-start").fill(_day(40))
    submit(page, page.get_by_role("button", name="Ghi vụ việc"))
    saved(page, "Đã ghi vụ việc.")
    expect(page.locator("#holds")).to_contain_text("(chưa kết thúc)")

    # an initiative
    page.locator("#i-title").fill("Số hóa hồ sơ bệnh án")
    page.locator("#i-by").fill("Hội đồng sáng kiến tỉnh")
    page.locator("#i-number").fill("9/QĐ-HĐSK")
    page.locator("#i-date").fill(_day(5))
    page.locator("#i-scope").select_option(label="Phạm vi toàn tỉnh")
    page.locator("#i-org").fill("SYT")
    page.locator("#i-authors").fill("Lý Văn Một")
    submit(page, page.get_by_role("button", name="Ghi sáng kiến"))
    saved(page, "Đã ghi sáng kiến.")
    expect(page.locator("#initiatives")).to_contain_text("Số hóa hồ sơ bệnh án")
    shot(page, "year-end-entered")

    # corrections: the hold ended, a name taken off the decision (its award record goes)
    holds = page.locator("#holds")
    holds.get_by_text("Sửa, xóa vụ việc của Lý Văn Hai").click()
    holds.get_by_label("Đến ngày (nếu có)").fill(_day(1))
    submit(page, holds.get_by_role("button", name="Lưu vụ việc của Lý Văn Hai đã sửa"))
    saved(page, "Đã sửa vụ việc.")
    expect(page.locator("#holds")).to_contain_text(f"đến {_day(1)}")
    decisions = page.locator("#unit-decisions")
    decisions.get_by_text("Sửa, xóa quyết định số 7/QĐ-SYT").click()
    names = decisions.get_by_label("Tập thể, cá nhân (mỗi dòng «Tên | Đơn vị công tác»",
                                   exact=False)
    expect(names).to_have_value("Lý Văn Hai | SYT\nLý Văn Một | SYT\n")
    names.fill("Lý Văn Một | SYT")
    submit(page, decisions.get_by_role("button", name="Lưu quyết định số 7/QĐ-SYT đã sửa"))
    saved(page, "Đã sửa quyết định")
    expect(page.locator("#unit-decisions")).not_to_contain_text("Lý Văn Hai")
    db.session.expire_all()
    assert [r.name for r in db.session.scalars(sa.select(AwardRecord))] == ["Lý Văn Một"]

    # the initiative removed, after its question
    initiatives = page.locator("#initiatives")
    initiatives.get_by_text("Sửa, xóa sáng kiến «Số hóa hồ sơ bệnh án»").click()
    submit(page, initiatives.get_by_role("button", name="Xóa sáng kiến «Số hóa hồ sơ bệnh án»"))
    saved(page, "Đã xóa sáng kiến.")
    assert desk.dialogs[-1] == "Xóa sáng kiến «Số hóa hồ sơ bệnh án»?"
    expect(page.locator("#initiatives")).to_contain_text("Chưa có.")

    # every change in the history, newest first
    history = page.locator("#changes tbody tr")
    expect(history).to_have_count(5)
    expect(history.nth(0)).to_contain_text("Sáng kiến")
    expect(history.nth(0)).to_contain_text("Xóa")
    expect(history.nth(1)).to_contain_text("Quyết định danh hiệu của đơn vị")
    expect(history.nth(1).locator("td").nth(4)).to_have_text(
        "Số quyết định: 7/QĐ-SYT; Tên: Lý Văn Một; Lý Văn Hai")
    expect(history.nth(1).locator("td").nth(5)).to_have_text(
        "Số quyết định: 7/QĐ-SYT; Tên: Lý Văn Một")
    expect(history.nth(2)).to_contain_text("Vụ việc")
    expect(history.nth(2)).to_contain_text(f"Đến ngày: {_day(1)}")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ResultChange)) == 5
    shot(page, "year-end-corrected")
    assert not desk.problems, desk.problems


def test_the_appraiser_sees_the_eligibility_evidence_beside_a_nominee(desk, world):
    campaign = helpers.make_campaign(world)
    helpers.cstdt_history(world, campaign, ["Nông Thị Ba"])
    dossier = helpers.complete_dossier(world, campaign, nominees=[
        {"kind": "individual", "name": "Nông Thị Ba", "title": "Bà", "position_title": "Bác sĩ",
         "organisation": "SYT", "award_form": "CSTDT", "votes_for": 9}])
    helpers.fire(world, "dossier", dossier, "staff_a", "submit")
    helpers.fire(world, "dossier", dossier, "head_a", "sign_off")
    helpers.fire(world, "dossier", dossier, "appraiser", "start_appraisal")
    dossier = db.session.get(Dossier, dossier.id)
    page = desk.page("appraiser", f"/dossiers/{dossier.id}")
    nominee = page.locator("section", has_text="Nông Thị Ba").filter(
        has=page.locator("ul.eligibility"))
    three = nominee.locator('li[data-rule="cstdt.cstdcs_3_nam"]')
    expect(three).to_have_attribute("data-met", "yes")
    expect(three).to_contain_text("✓ Đạt")
    year = campaign.year or campaign.period_end.year
    expect(three).to_contain_text(f"3/3 năm ({year - 2}–{year})")
    evidence = three.locator("ul.evidence li")
    expect(evidence).to_have_count(3)
    for number in ("20/QĐ-SYT", "21/QĐ-SYT", "22/QĐ-SYT"):
        expect(three.locator("ul.evidence")).to_contain_text(f"Quyết định số {number}")
    initiative = nominee.locator('li[data-rule="cstdt.sang_kien_tinh"]')
    expect(initiative).to_have_attribute("data-met", "yes")
    expect(initiative.locator("ul.evidence")).to_contain_text("Hội đồng sáng kiến tỉnh")
    shot(page, "appraisal-eligibility-evidence")
    assert not desk.problems, desk.problems
