"""Issue 11: each role's main task, done from "Việc cần xử lý" (`/`, where signing in
lands) by clicking only: no typed URL. Each task's clicks (links and buttons, a form sent
by its button included), fields typed and page loads are measured and bounded by what they
take today, so a page that makes a task longer fails here; the table is written to the
test's folder and printed (the table of main tasks in docs/testing.md comes from it)."""
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from app.clock import today
from app.extensions import db
from app.services import dossiers
from tests import helpers
from tests.browser.support import DESKTOP, refusals, sign_in

# role, main task, clicks, fields typed, page loads: the measured values, as upper bounds
BOUNDS = {
    "unit_staff": ("soạn và trình kế hoạch", 5, 6, 5),
    "unit_head": ("ký duyệt kế hoạch (cấp số)", 2, 0, 2),
    "board_appraiser": ("thẩm định hồ sơ (chấp nhận) và lập, trình dự thảo quyết định", 8, 0, 8),
    "board_head": ("ký tờ trình (cấp số …/TTr-SNV)", 2, 0, 2),
    "chairman": ("phê duyệt quyết định", 2, 0, 2),
    "office_clerk": ("kèm bản chụp quyết định đã ký, ban hành, ghi ngày ban hành", 3, 2, 3),
}


@dataclass
class Meter:
    """Counts what a person does in one window: clicks (a link, a button, a checkbox; a
    form sent by its button is one click), fields typed, and page loads of the main frame."""

    page: Page
    clicks: int = 0
    fields: int = 0
    loads: int = 0
    urls: list = field(default_factory=list)

    def __post_init__(self):
        self.page.on("load", self._loaded)

    def _loaded(self, page):
        self.loads += 1
        self.urls.append(urlsplit(page.url).path)

    def click(self, locator, navigates=True):
        self.clicks += 1
        if navigates:
            with self.page.expect_navigation():
                locator.click()
            self.page.wait_for_load_state("load")
            assert not refusals(self.page), refusals(self.page)
        else:
            locator.click()

    def fill(self, locator, text):
        self.fields += 1
        locator.fill(text)

    def attach(self, locator, path):
        """Choose a file for a file field (one field, like typing one)."""
        self.fields += 1
        locator.set_input_files(str(path))

    def stop(self):
        self.page.remove_listener("load", self._loaded)
        return self.clicks, self.fields, self.loads


def _signed_in(desk, who) -> Meter:
    """A fresh window signed in through the login form, standing on `/`; measuring starts
    there (the sign-in itself is not part of the task)."""
    page = desk.new_page(DESKTOP)
    page.goto("/login")
    sign_in(page, who)
    assert urlsplit(page.url).path == "/", page.url
    return Meter(page)


def _trigger(meter: Meter, trigger):
    button = meter.page.locator(f'button[data-trigger="{trigger}"]')
    expect(button).to_have_count(1)
    meter.click(button)
    expect(meter.page.locator(".alert-success")).to_contain_text("Đã thực hiện:")


def _inbox_link(meter: Meter, kind_label, unit=None):
    name = re.compile(f"^{kind_label} – " + (f"{unit} – " if unit else ""))
    meter.click(meter.page.locator("table.inbox-table").get_by_role("link", name=name).first)


def test_each_roles_main_task_by_clicks_alone(desk, world, tmp_path):
    campaign = helpers.make_campaign(world)
    measured = {}

    # unit_staff: opens the plan from the inbox, writes it, saves, sends it to the head
    staff = _signed_in(desk, "staff_a")
    _inbox_link(staff, "Kế hoạch", "Sở Y tế")
    staff.click(staff.page.get_by_role("link", name="Soạn / sửa kế hoạch"))
    staff.fill(staff.page.get_by_label("Mục đích, yêu cầu"), "Tạo khí thế thi đua trong ngành.")
    for box in staff.page.locator("textarea[id^=section-]").all():
        staff.fill(box, "Đẩy mạnh cải cách hành chính trong khám chữa bệnh.")
    for figure in staff.page.locator("input[id^=target-]").all():
        staff.fill(figure, "100")
    staff.click(staff.page.get_by_role("button", name="Lưu kế hoạch"))
    staff.click(staff.page.get_by_role("link", name="← Về trang kế hoạch"))
    _trigger(staff, "submit")
    measured["unit_staff"] = staff.stop()

    # unit_head: signs it off (numbered …/KH-SYT)
    head = _signed_in(desk, "head_a")
    _inbox_link(head, "Kế hoạch", "Sở Y tế")
    _trigger(head, "sign_off")
    expect(head.page.locator("h1")).not_to_contain_text("Chờ thủ trưởng")
    measured["unit_head"] = head.stop()

    # the dossier reaches the Board (its drafting is measured by the dossier form's tests)
    dossier = helpers.complete_dossier(world, campaign)
    helpers.fire(world, "dossier", dossier, "staff_a", "submit")
    helpers.fire(world, "dossier", dossier, "head_a", "sign_off")

    # board_appraiser: appraises the dossier (accepts everyone), then composes the
    # decision from the inbox and sends it to the Board head
    appraiser = _signed_in(desk, "appraiser")
    _inbox_link(appraiser, "Hồ sơ", "Sở Y tế")
    _trigger(appraiser, "start_appraisal")
    appraiser.click(appraiser.page.get_by_role("button", name=re.compile("^Chấp nhận tất cả")))
    _trigger(appraiser, "complete_appraisal")
    appraiser.click(appraiser.page.get_by_role("link", name="Việc cần xử lý"))
    appraiser.click(appraiser.page.get_by_role("link", name="Lập dự thảo quyết định"))
    picks = appraiser.page.locator("input[name=dossier_ids]")
    expect(picks).to_have_count(1)
    expect(picks.first).to_be_checked()  # the appraised dossiers come pre-selected
    appraiser.click(appraiser.page.get_by_role("button", name="Lập dự thảo quyết định"))
    expect(appraiser.page.locator(".alert-success")).to_contain_text(
        "Đã lập dự thảo quyết định từ 1 hồ sơ.")
    _trigger(appraiser, "submit")
    measured["board_appraiser"] = appraiser.stop()
    db.session.expire_all()  # what the pages wrote, not what this session remembers
    assert {n.verdict for n in dossiers.checklist(world.users["appraiser"], dossier.id)[0]
            .nominees} == {"accepted"}

    # board_head: signs the tờ trình
    board_head = _signed_in(desk, "board_head")
    _inbox_link(board_head, "Quyết định")
    _trigger(board_head, "sign_proposal")
    measured["board_head"] = board_head.stop()

    # chairman: approves
    chairman = _signed_in(desk, "chairman")
    _inbox_link(chairman, "Quyết định")
    _trigger(chairman, "approve")
    measured["chairman"] = chairman.stop()

    # office_clerk: attaches the scan of the signed paper, then issues, with the issue date
    scan = tmp_path / "Quyết định đã ký.pdf"
    scan.write_bytes(helpers.PDF)
    clerk = _signed_in(desk, "clerk")
    _inbox_link(clerk, "Quyết định")
    clerk.attach(clerk.page.get_by_label(re.compile("^Bản chụp \\(PDF\\)")), scan)
    clerk.click(clerk.page.get_by_role("button", name="Lưu bản chụp"))
    expect(clerk.page.locator(".alert-success")).to_contain_text(
        "Đã lưu bản chụp quyết định đã ký.")
    clerk.fill(clerk.page.locator("#issued-on-issue"), today().strftime("%d/%m/%Y"))
    _trigger(clerk, "issue")
    expect(clerk.page.locator("h1")).to_contain_text("Đã ban hành")
    measured["office_clerk"] = clerk.stop()
    # the scan is among the decision's papers, and downloads as it was sent
    link = clerk.page.locator('a[href$="/documents/decision_signed"]')
    expect(link).to_have_count(1)
    expect(link).to_contain_text(".pdf")
    got = clerk.page.request.get(link.get_attribute("href"))
    assert got.status == 200 and got.body() == helpers.PDF, got.status
    assert got.headers["content-type"] == "application/pdf"

    for meter in (staff, head, appraiser, board_head, chairman, clerk):
        meter.page.context.close()
    assert not desk.problems, desk.problems

    rows = ["| role | main task | clicks | fields typed | page loads |",
            "|---|---|---|---|---|"]
    rows += [f"| {role} | {BOUNDS[role][0]} | {c} | {f} | {n} |"
             for role, (c, f, n) in measured.items()]
    table = "\n".join(rows)
    (tmp_path / "main-tasks.md").write_text(table + "\n", encoding="utf-8")
    print("\n" + table)
    over = {role: (got, BOUNDS[role][1:]) for role, got in measured.items()
            if any(g > b for g, b in zip(got, BOUNDS[role][1:], strict=True))}
    assert not over, over
