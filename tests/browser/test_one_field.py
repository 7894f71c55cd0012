"""Issue 22 #5 and #8 in Chromium: one field's mistake never blocks another action (and says
the form it expects), and a return says who gets the item back, in which state, and asks
for its reason in the process's own words."""
from playwright.sync_api import expect

from app.extensions import db
from app.models import Dossier, Plan
from tests import helpers
from tests.browser.support import refusals, saved, submit
from tests.browser.test_journey import add_nominee
from workflows import DOSSIER, PLAN


def test_a_wrong_date_does_not_stop_thêm_and_a_return_says_what_happens(desk, world):
    campaign = helpers.make_campaign(world)
    dossier = helpers.unit_item(Dossier, campaign, "SYT")
    staff = desk.page("staff_a", f"/dossiers/{dossier.id}/edit")

    # «Số biên bản» as offices write it, and a day that does not exist in «Ngày họp»
    staff.get_by_label("Số biên bản").fill("12/BB-HĐTĐKT")
    staff.get_by_label("Ngày họp (dd/mm/yyyy)").fill("31/02/2026")
    staff.locator("#council_chair").fill("Trần Văn Bình")
    # «Lưu hồ sơ» is stopped in the page, in the app's words, before anything is sent
    sent = desk.dialogs[:]
    staff.get_by_role("button", name="Lưu hồ sơ").click()
    expect(staff.locator("#council_meeting_date-problem")).to_contain_text(
        "ngày không hợp lệ; ghi theo dạng dd/mm/yyyy, ví dụ 02/09/2025")
    assert desk.dialogs == sent
    # «Thêm» checks only its own part: the nominee is added, the date's problem stays
    add_nominee(staff, "individual", "Bà", "Lê Thị Hoa", "Trưởng khoa", "8")
    submit(staff, staff.get_by_role("button", name="Thêm", exact=True))
    expect(staff.locator(".alert-warning")).to_contain_text("Đã thêm «Lê Thị Hoa» vào hồ sơ.")
    expect(staff.locator("fieldset legend", has_text="Lê Thị Hoa")).to_have_count(1)
    expect(staff.locator("#err-council_meeting_date")).to_contain_text("dd/mm/yyyy")
    expect(staff.locator("#err-council_minutes_number")).to_have_count(0)  # accepted as typed
    expect(staff.get_by_label("Số biên bản")).to_have_value("12/BB-HĐTĐKT")
    expect(staff.locator("#council_chair")).to_have_value("Trần Văn Bình")
    expect(staff.locator("#new-name")).to_have_value("")
    # the date put right, the rest is saved with it
    staff.get_by_label("Ngày họp (dd/mm/yyyy)").fill("20/11/2026")
    submit(staff, staff.get_by_role("button", name="Lưu hồ sơ"))
    saved(staff)
    db.session.expire_all()
    kept = db.session.get(Dossier, dossier.id)
    assert (kept.council_minutes_number, kept.council_minutes_symbol) == (12, "BB-HĐTĐKT")
    assert [n.name for n in kept.nominees] == ["Lê Thị Hoa"]

    # The unit head's «Trả lại để chỉnh sửa»: its reason asked for in its own words, the
    # app's message when it is missing (no question asked), then a question that says who
    # gets the plan back and in which state.
    plan = helpers.complete_plan(world, campaign)
    helpers.fire(world, "plan", plan, "staff_a", "submit")
    head = desk.page("head_a", f"/plans/{plan.id}")
    step = PLAN.step("head_return", "awaiting_head")
    reason = head.get_by_label(step.reason)
    expect(reason).to_have_count(1)
    asked = len(desk.dialogs)
    head.locator('button[data-trigger="head_return"]').click()
    expect(head.locator("#comment-head_return-problem")).to_contain_text("bắt buộc")
    assert len(desk.dialogs) == asked and not refusals(head)
    reason.fill("Bổ sung chỉ tiêu số 3.")
    submit(head, head.locator('button[data-trigger="head_return"]'))
    saved(head, "Đã thực hiện: Trả lại để chỉnh sửa.")
    assert desk.dialogs[-1] == step.question
    assert "cán bộ soạn thảo" in step.question and "«Đang soạn»" in step.question
    assert "Xác nhận" not in step.question
    db.session.expire_all()
    assert db.session.get(Plan, plan.id).state == "draft"
    # the Board's return and refusal say theirs the same way, on the dossier's page
    assert "«Trả lại đơn vị»" in DOSSIER.step("return_to_unit", "in_appraisal").question
    assert not desk.problems, desk.problems
