"""What the browser must not get: another unit's dossier, buttons the state does not
offer, a form without its CSRF token."""
from playwright.sync_api import expect

from app.extensions import db
from app.models import Dossier, Plan
from tests import helpers
from tests.browser.support import saved, shot, submit, triggers


def test_another_units_dossier_is_not_found(desk, world):
    campaign = helpers.make_campaign(world)
    dossier = helpers.unit_item(Dossier, campaign, "SYT")
    page = desk.page("staff_b")  # Phường Đông Kinh
    response = page.goto(f"/dossiers/{dossier.id}")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Không tìm thấy (404)")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Sở Y tế")
    expect(page.get_by_role("link", name="Về Việc cần xử lý")).to_be_visible()
    shot(page, "not-found")
    assert page.goto(f"/dossiers/{dossier.id}/edit").status == 404
    assert not desk.problems, desk.problems


def test_buttons_the_state_does_not_allow_are_absent(desk, world):
    campaign = helpers.make_campaign(world)
    plan = helpers.unit_item(Plan, campaign, "SYT")
    url = f"/plans/{plan.id}"

    # Nothing written yet: "submit" is shown disabled, with the reasons next to it.
    staff = desk.page("staff_a", url)
    assert triggers(staff) == []
    blocked = staff.get_by_role("button", name="Trình thủ trưởng")
    expect(blocked).to_be_disabled()
    reasons = staff.locator(f"#{blocked.get_attribute('aria-describedby')}")
    expect(reasons.locator("li").first).to_be_visible()

    plan = helpers.complete_plan(world, campaign)
    staff.goto(url)
    assert triggers(staff) == ["submit"]
    expect(staff.get_by_role("button", name="Ký duyệt, gửi Ban TĐKT")).to_have_count(0)

    # A draft: the head has nothing to do yet, and cannot submit for the staff.
    head = desk.page("head_a", url)
    assert triggers(head) == []
    expect(head.get_by_role("button", name="Trình thủ trưởng")).to_have_count(0)
    expect(head.locator("body")).to_contain_text("Không có thao tác nào dành cho bạn")

    helpers.fire(world, "plan", plan, "staff_a", "submit")
    head.goto(url)
    assert set(triggers(head)) == {"sign_off", "head_return"}
    expect(head.get_by_role("button", name="Trình thủ trưởng")).to_have_count(0)
    staff.goto(url)
    assert triggers(staff) == []
    expect(staff.get_by_role("button", name="Ký duyệt, gửi Ban TĐKT")).to_have_count(0)
    expect(staff.locator("a", has_text="Soạn / sửa kế hoạch")).to_have_count(0)
    assert not desk.problems, desk.problems


def test_a_form_without_its_csrf_token_is_refused(desk, world):
    campaign = helpers.make_campaign(world)
    plan = helpers.complete_plan(world, campaign)
    page = desk.page("staff_a", f"/plans/{plan.id}")
    form = {"trigger": "submit", "version": str(plan.version)}

    response = page.request.post(f"/plans/{plan.id}/transitions", form=form)
    assert response.status == 400
    assert "mã bảo vệ" in response.text()

    # The same from a script on the page: the session cookie rides along, the token does not.
    status, text = page.evaluate("""async ([url, body]) => {
        const r = await fetch(url, {method: "POST", body: new URLSearchParams(body)});
        return [r.status, await r.text()];
    }""", [f"/plans/{plan.id}/transitions", form])
    assert status == 400 and "mã bảo vệ" in text

    # The page's own form with its token taken out: the browser shows the refusal page.
    button = page.locator('button[data-trigger="submit"]')
    button.locator("xpath=..").locator("input[name=csrf_token]").evaluate("e => e.remove()")
    submit(page, button)
    expect(page.get_by_role("heading", name="Yêu cầu không hợp lệ (400)")).to_be_visible()
    expect(page.locator("main")).to_contain_text("mã bảo vệ")

    # A token from another session is refused as well.
    stranger = desk.new_page()
    stranger.goto("/login")
    token = stranger.locator("input[name=csrf_token]").get_attribute("value")
    stranger.context.close()
    response = page.request.post(f"/plans/{plan.id}/transitions",
                                 form={**form, "csrf_token": token})
    assert response.status == 400

    db.session.expire_all()
    assert db.session.get(Plan, plan.id).state == "draft"
    # With the page's own token the same action goes through.
    page.goto(f"/plans/{plan.id}")
    submit(page, page.locator('button[data-trigger="submit"]'))
    saved(page, "Đã thực hiện: Trình thủ trưởng.")
