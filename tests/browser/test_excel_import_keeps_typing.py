"""Issue 22, item 1: «Nhập danh sách» is a button of the dossier's one form, so what was
typed elsewhere on the page survives the Excel import (refused or accepted), and the
file's problems are printed once, beside the file."""
from playwright.sync_api import expect

from app.extensions import db
from app.models import Dossier
from app.services import imports
from tests import helpers
from tests.browser.support import saved, submit
from tests.browser.test_accessibility import violations
from tests.services.test_spreadsheets import _form_name, _nominee_row, _workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_typed_data_survives_the_excel_import(desk, world):
    campaign = helpers.make_campaign(world)
    dossier = helpers.unit_item(Dossier, campaign, "SYT")
    staff = desk.page("staff_a", f"/dossiers/{dossier.id}/edit")
    typed = {"#summary": "Báo cáo gõ dở, chưa bấm Lưu.", "#council_chair": "Trần Văn Bình",
             "#council_members_total": "9"}
    typed.update({f"#target-{t.id}": "97,5" for t in campaign.targets})
    for selector, value in typed.items():
        staff.locator(selector).fill(value)
    button = staff.get_by_role("button", name="Nhập danh sách")

    # A refused file: every problem once beside the file, nothing lost, nothing written.
    bad = _workbook(imports.NOMINEE_COLUMNS, [_nominee_row(form=_form_name()),
                                              _nominee_row("Lò Văn Hải", form=_form_name(), votes="chín")])
    staff.locator("#import-file").set_input_files(
        {"name": "danh-sach.xlsx", "mimeType": XLSX, "buffer": bad})
    submit(staff, button)
    problem = "Dòng 3, cột «Số phiếu đồng ý»: phải là số"
    expect(staff.locator("#err-import-file")).to_contain_text(problem)
    assert staff.content().count(problem) == 1
    assert not violations(staff)
    for selector, value in typed.items():
        expect(staff.locator(selector)).to_have_value(value)
    db.session.expire_all()
    assert db.session.get(Dossier, dossier.id).summary != typed["#summary"]

    # The corrected file: the list and everything typed are saved together.
    good = _workbook(imports.NOMINEE_COLUMNS, [_nominee_row(form=_form_name()),
                                               _nominee_row("Lò Văn Hải", form=_form_name(), votes=8)])
    staff.locator("#import-file").set_input_files(
        {"name": "danh-sach.xlsx", "mimeType": XLSX, "buffer": good})
    submit(staff, button)
    saved(staff, "Đã lưu và thêm 2 tập thể, cá nhân từ tệp Excel.")
    for selector, value in typed.items():
        expect(staff.locator(selector)).to_have_value(value)
    expect(staff.locator("fieldset legend", has_text="Lò Văn Hải")).to_have_count(1)
    db.session.expire_all()
    stored = db.session.get(Dossier, dossier.id)
    assert stored.summary == typed["#summary"] and stored.council_chair == "Trần Văn Bình"
    assert sorted(n.name for n in stored.nominees) == ["Lò Văn Hải", "Trần Thị Hoa"]
    assert not desk.problems, desk.problems
