"""Issue 22, items 2, 3, 4 and 6 in Chromium: a long dossier appraised nominee by nominee
(back at the nominee, refusals beside them, one tap from the top on a phone), the inbox
count agreeing with the decision card, a draft composed from the dossiers picked, and
«Lưu và trình» on the drafting forms."""
import re

from playwright.sync_api import expect

from app.extensions import db
from app.models import Decision, Dossier, Plan
from app.services import dossiers
from tests import helpers
from tests.browser.support import PHONE, saved, sign_in, submit
from tests.browser.test_accessibility import violations

LONG = 12  # nominees: each section holds a summary and files, the page runs long


def _long_dossier(world, campaign):
    specs = [{"kind": "individual", "name": f"Nguyễn Văn Số {i + 1:02d}", "title": "Ông",
              "position_title": "Chuyên viên", "organisation": "Sở Y tế", "award_form": "BKCT",
              "votes_for": 9,
              "achievement_summary": "Hoàn thành xuất sắc nhiệm vụ.\n" * 12}
             for i in range(LONG)]
    dossier = helpers.complete_dossier(world, campaign, nominees=specs)
    helpers.fire(world, "dossier", dossier, "staff_a", "submit")
    helpers.fire(world, "dossier", dossier, "head_a", "sign_off")
    helpers.fire(world, "dossier", dossier, "appraiser", "start_appraisal")
    return dossier


def test_a_long_dossier_is_appraised_and_composed_into_a_decision(desk, world):
    campaign = helpers.make_campaign(world, award_forms=[{"code": "BKCT", "quota_per_unit": LONG}])
    dossier = _long_dossier(world, campaign)
    url = f"/dossiers/{dossier.id}"
    nominees = list(dossier.nominees)
    late = nominees[8]
    appraiser = desk.page("appraiser", url)
    section = appraiser.locator("section.nominee", has_text=late.name)

    # A decline without its reason: refused beside that nominee, naming them, its field
    # focused and in view (not a page-level error at the top).
    submit(appraiser, section.get_by_role("button", name="Không đề nghị"))
    error = appraiser.locator(f"#reason-error-{late.id}")
    expect(error).to_contain_text(f"Chưa ghi ý kiến cho Ông {late.name}: Cần ghi lý do")
    expect(appraiser.locator(f"#reason-{late.id}")).to_be_focused()
    expect(appraiser.locator(f"#reason-{late.id}")).to_be_in_viewport(ratio=1)
    assert not violations(appraiser)
    appraiser.locator(f"#reason-{late.id}").fill("Chưa đủ thời gian công tác")
    submit(appraiser, section.get_by_role("button", name="Không đề nghị"))
    # Done: back at that nominee, focused, not at the page's top.
    assert appraiser.url.endswith(f"{url}#nominee-{late.id}")
    expect(appraiser.locator(f"#nominee-{late.id}")).to_be_focused()
    expect(appraiser.locator(f"#nominee-{late.id}")).to_be_in_viewport(ratio=1)
    assert appraiser.evaluate("() => window.scrollY") > 1000
    expect(section.locator(".verdict")).to_have_text("Không đề nghị: Chưa đủ thời gian công tác")
    submit(appraiser, appraiser.locator("section.nominee", has_text=nominees[9].name)
           .get_by_role("button", name="Chấp nhận"))
    expect(appraiser.locator(f"#nominee-{nominees[9].id}")).to_be_focused()

    # On a phone the verdicts are one tap from the top: the list of nominees comes first.
    phone = desk.new_page(PHONE)
    phone.goto(url)
    sign_in(phone, "appraiser")
    last = nominees[-1]
    jump = phone.locator(".appraise-jump").get_by_role("link", name=last.name)
    top = phone.evaluate("() => document.querySelector('.appraise-jump').getBoundingClientRect()"
                         ".top + window.scrollY")
    whole = phone.evaluate("() => document.documentElement.scrollHeight")
    assert top < 1.5 * PHONE["height"] and whole > 5 * PHONE["height"], (top, whole)
    jump.click()
    buttons = phone.locator("section.nominee", has_text=last.name).locator(".verdict-form")
    expect(buttons.get_by_role("button", name="Chấp nhận")).to_be_in_viewport()
    assert not violations(phone)

    # The rest accepted, the appraisal completed: the inbox counts the decision to compose
    # as work waiting, in agreement with its card.
    db.session.expire_all()  # the pages wrote meanwhile
    for n in nominees:
        if n.id not in (late.id, nominees[9].id):
            dossiers.set_verdict(world.users["appraiser"], dossier.id, n.id, "accepted")
    db.session.expire_all()
    helpers.fire(world, "dossier", db.session.get(Dossier, dossier.id), "appraiser",
                 "complete_appraisal")
    for view in (appraiser, phone):
        view.goto("/")
        card = view.locator("section[aria-labelledby=to-compose]")
        expect(card).to_contain_text(f"{LONG - 1} tập thể, cá nhân")
        expect(view.locator("h1 .badge")).to_have_text("1")
        expect(view.locator("main")).not_to_contain_text("Không có việc nào đang chờ bạn")
        expect(view.get_by_role("link", name="Lập dự thảo quyết định")).to_be_in_viewport()

    # The draft is made holding the dossiers picked: no empty draft, no second step.
    submit(appraiser, appraiser.get_by_role("link", name="Lập dự thảo quyết định"))
    pick = appraiser.get_by_label(re.compile("^Sở Y tế"))
    expect(pick).to_be_checked()
    assert not violations(appraiser)
    pick.uncheck()
    submit(appraiser, appraiser.get_by_role("button", name="Lập dự thảo quyết định"))
    expect(appraiser.locator(".alert-danger")).to_contain_text("Chọn ít nhất một hồ sơ")
    assert db.session.scalars(db.select(Decision)).first() is None
    appraiser.get_by_label(re.compile("^Sở Y tế")).check()
    submit(appraiser, appraiser.get_by_role("button", name="Lập dự thảo quyết định"))
    saved(appraiser, "Đã lập dự thảo quyết định từ 1 hồ sơ.")
    db.session.expire_all()
    decision = db.session.scalars(db.select(Decision)).one()
    assert appraiser.url.endswith(f"/decisions/{decision.id}")
    assert len(decision.nominees) == LONG - 1
    # /decisions leads to the same pick, at both widths
    for view in (appraiser, phone):
        view.goto("/decisions")
        link = view.get_by_role("link", name="Lập dự thảo quyết định")
        expect(link).to_be_in_viewport()
    submit(phone, phone.get_by_role("link", name="Lập dự thảo quyết định"))
    expect(phone.locator("main")).to_contain_text(
        "Chưa có hồ sơ đã thẩm định nào chờ lập dự thảo quyết định.")
    assert not violations(phone)
    assert not desk.problems, desk.problems


def test_save_and_send_from_the_drafting_forms(desk, world, campaign):
    plan = helpers.unit_item(Plan, campaign, "SYT")
    dossier = helpers.complete_dossier(world, campaign)
    staff = desk.page("staff_a", f"/plans/{plan.id}/edit")
    send = staff.get_by_role("button", name="Lưu và trình thủ trưởng")
    # The guard refuses an incomplete plan: the save is kept, the reason is in Vietnamese.
    staff.get_by_label("Mục đích, yêu cầu").fill("Bản nháp, còn thiếu nội dung.")
    submit(staff, send)
    expect(staff.locator(".alert-warning")).to_contain_text("Đã lưu, nhưng chưa trình thủ trưởng")
    expect(staff.locator(".alert-danger")).to_contain_text("còn thiếu nội dung hưởng ứng")
    expect(staff.get_by_label("Mục đích, yêu cầu")).to_have_value("Bản nháp, còn thiếu nội dung.")
    assert not violations(staff)
    db.session.expire_all()
    assert db.session.get(Plan, plan.id).state == "draft"

    # The dossier, complete: one press saves the edit and sends it to the unit head.
    staff.goto(f"/dossiers/{dossier.id}/edit")
    staff.locator("#summary").fill("Báo cáo sửa lần cuối trước khi trình.")
    submit(staff, staff.get_by_role("button", name="Lưu và trình thủ trưởng"))
    saved(staff, "Đã lưu và trình thủ trưởng.")
    assert staff.url.endswith(f"/dossiers/{dossier.id}")
    expect(staff.locator("h1")).to_contain_text("Chờ thủ trưởng")
    db.session.expire_all()
    sent = db.session.get(Dossier, dossier.id)
    assert sent.state == "awaiting_head"
    assert sent.summary == "Báo cáo sửa lần cuối trước khi trình."
    assert not desk.problems, desk.problems
