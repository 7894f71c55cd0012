"""Tổng quan, the lists behind its figures, Excel downloads and imports from the pages, and
the decision's awardee list as its printed attachment."""
import io
import re

import openpyxl
import sqlalchemy as sa

from app.extensions import db
from app.models import AwardRecord, Dossier, Nominee
from app.services import imports, overview
from app.services.spreadsheets import XLSX
from tests import helpers
from tests.services.test_spreadsheets import (
    _award_row,
    _form_name,
    _nominee_row,
    _workbook,
    issued_decision,
    make_award,
)
from tests.web.test_views import csrf_of, login


def test_dashboard_for_the_board_with_charts_that_link_to_their_lists(client, world):
    campaign = helpers.make_campaign(world)
    decision, _ = issued_decision(world, campaign)
    make_award(world, year=decision.issued_on.year, name="Người nhập trước")
    login(client, "board_head")
    page = client.get(f"/tong-quan?campaign={campaign.id}&year={decision.issued_on.year}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'aria-current="page">Tổng quan' in html
    assert html.count('role="img"') >= 5 and "<title id=" in html
    # every figure links to the list behind it (the chart's table)
    assert f'href="/campaigns/{campaign.id}/nominees?status=awarded"' in html
    assert f'href="/campaigns/{campaign.id}?state=decided&amp;of=dossier"' in html
    assert f"/tong-quan/khen-thuong?year={decision.issued_on.year}&amp;form=BKCT" in html
    assert "chart-table" in html
    listed = client.get(f"/campaigns/{campaign.id}/nominees?status=awarded").get_data(
        as_text=True)
    assert "Nguyễn Văn An" in listed and "Lê Thị Bích" not in listed  # struck
    register = client.get(f"/tong-quan/khen-thuong?year={decision.issued_on.year}&form=BKCT")
    assert "Người nhập trước" in register.get_data(as_text=True)
    # Issue 22 #10: the filter is named as people read it, not by its code or id
    form_name = decision.award_form.name
    assert f"Đang lọc theo hình thức «{form_name}»" in register.get_data(as_text=True)
    assert "«BKCT»" not in register.get_data(as_text=True)
    unit = world.units["SYT"]
    by_unit = client.get(f"/tong-quan/khen-thuong?year={decision.issued_on.year}"
                         f"&unit={unit.id}").get_data(as_text=True)
    assert f"Đang lọc theo đơn vị «{unit.name}»" in by_unit


def test_each_state_figure_lists_exactly_the_units_it_counts(client, world):
    """Plans and dossiers share state names (draft, returned, …): a plan figure's list
    holds the units whose plan is in that state, not those whose dossier is."""
    campaign = helpers.make_campaign(world)
    helpers.appraised_dossier(world, campaign)  # one unit: plan approved, dossier appraised
    login(client, "board_head")
    html = client.get(f"/tong-quan?campaign={campaign.id}").get_data(as_text=True)
    figures = overview.campaign_overview(world.users["board_head"], campaign.id)
    checked = 0
    for of in ("plan", "dossier"):
        for row in figures[of + "s"]:
            href = f"/campaigns/{campaign.id}?state={row['state']}&amp;of={of}"
            assert f'href="{href}"' in html
            listed = client.get(href.replace("&amp;", "&")).get_data(as_text=True)
            assert f"Tiến độ các đơn vị ({row['count']})" in listed, (of, row)
            checked += row["count"] > 0
    assert checked >= 3  # draft plans, the approved plan, the appraised dossier at least
    # the API filters the same way, and refuses what it does not know
    token = {"Authorization": f"Bearer {helpers.token_for(world.users['board_head'])}"}
    r = client.get(f"/api/v1/campaigns/{campaign.id}/progress?state=draft&of=plan",
                   headers=token)
    draft_plans = next(s["count"] for s in figures["plans"] if s["state"] == "draft")
    assert r.status_code == 200 and r.get_json()["total"] == draft_plans
    assert client.get(f"/api/v1/campaigns/{campaign.id}/progress?of=unit",
                      headers=token).status_code == 422


def test_year_figures_by_kind_and_unit_link_to_their_lists_with_money(client, world):
    campaign = helpers.make_campaign(world)
    decision, _ = issued_decision(world, campaign)
    year = decision.issued_on.year
    make_award(world, year=year, name="Người đơn vị cũ", unit=None, money=2000000)
    login(client, "board_head")
    html = client.get(f"/tong-quan?year={year}").get_data(as_text=True)
    figures = overview.year_overview(world.users["board_head"], year)
    # units the system does not hold: by kind ("Không rõ") and by name, each with its list
    outside = next(r for r in figures["by_unit"] if r["unit_id"] is None)
    assert outside["name"] == "Đơn vị cũ" and outside["money"] == 2000000
    assert f"/tong-quan/khen-thuong?year={year}&amp;outside=1&amp;unit_name=" in html
    listed = client.get(f"/tong-quan/khen-thuong?year={year}&outside=1&unit_name=Đơn vị cũ")
    text = listed.get_data(as_text=True)
    assert "Người đơn vị cũ" in text and "Nguyễn Văn An" not in text and "1 khen thưởng" in text
    # money by unit kind is on the page, not only in the API
    kind = next(r for r in figures["by_unit_kind"] if r["kind"])
    assert f"Khen thưởng năm {year} theo loại đơn vị" in html
    assert f"{kind['money']:,}".replace(",", ".") in html
    assert figures["total"]["count"] == sum(r["count"] for r in figures["by_form"])


def test_dashboard_is_not_for_units(client, world):
    login(client, "staff_a")
    assert client.get("/tong-quan").status_code == 403
    assert "Tổng quan" not in client.get("/").get_data(as_text=True)
    assert client.get("/tong-quan/khen-thuong.xlsx").status_code == 403


def test_downloads_are_excel_files(client, world):
    campaign = helpers.make_campaign(world)
    decision, _ = issued_decision(world, campaign)
    login(client, "appraiser")
    for url in (f"/campaigns/{campaign.id}/progress.xlsx", f"/campaigns/{campaign.id}/nominees.xlsx",
                f"/decisions/{decision.id}/awardees.xlsx",
                f"/tong-quan/khen-thuong.xlsx?year={decision.issued_on.year}"):
        r = client.get(url)
        assert r.status_code == 200 and r.mimetype == XLSX, url
        assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
        wb = openpyxl.load_workbook(io.BytesIO(r.data))
        assert wb.worksheets[0].freeze_panes == "A2"
        r.close()
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert f"/campaigns/{campaign.id}/progress.xlsx" in page
    page = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
    assert f"/decisions/{decision.id}/danh-sach" in page


def test_the_awardee_list_prints_as_the_decisions_attachment(client, world):
    campaign = helpers.make_campaign(world)
    decision, _ = issued_decision(world, campaign)
    login(client, "clerk")
    html = client.get(f"/decisions/{decision.id}/danh-sach").get_data(as_text=True)
    assert "TẬP THỂ, CÁ NHÂN ĐƯỢC TẶNG BẰNG KHEN" in html
    date = decision.issued_on
    assert (f"(Kèm theo Quyết định số {decision.number_label} ngày {date.day:02d} tháng "
            in html)
    assert "của Chủ tịch Ủy ban nhân dân tỉnh Lạng Sơn)" in html
    assert "Ông Nguyễn Văn An" in html and "Lê Thị Bích" not in html


def test_print_style_hides_the_menu_and_repeats_table_headers(app):
    with open(f"{app.static_folder}/app.css", encoding="utf-8") as fh:
        css = fh.read()
    block = css[css.index("@media print"):]
    assert re.search(r"nav, .navbar, form, .btn", block)
    assert "thead { display: table-header-group; }" in block
    assert "break-inside: avoid" in block


def test_a_unit_fills_its_nominees_from_the_template(client, world):
    campaign = helpers.make_campaign(world)
    dossier = helpers.unit_item(Dossier, campaign, "SYT")
    login(client, "staff_a")
    template = client.get(f"/dossiers/{dossier.id}/nominees/template.xlsx")
    assert template.status_code == 200 and template.mimetype == XLSX
    form_page = client.get(f"/dossiers/{dossier.id}/edit").get_data(as_text=True)
    assert 'name="op" value="import_nominees"' in form_page  # a button of the one form
    token, version = csrf_of(form_page), str(dossier.version)

    def send(data, **fields):
        form = {"csrf_token": token, "version": version, "op": "import_nominees",
                "summary": "Báo cáo gõ dở",
                "council_chair": "Bà Chủ Trì", **fields}
        if data is not None:
            form["import-file"] = (io.BytesIO(data), "ds.xlsx")
        return client.post(f"/dossiers/{dossier.id}/edit", data=form)

    def count():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Nominee))

    r = send(None)
    assert r.status_code == 422 and "Chọn tệp Excel (.xlsx) để nhập." in r.get_data(as_text=True)
    bad = _workbook(imports.NOMINEE_COLUMNS, [_nominee_row(form=_form_name()),
                                              _nominee_row("Lò Văn Hải", votes="chín"),
                                              _nominee_row("Lò Văn Hà", votes="mười")])
    r = send(bad)
    page = r.get_data(as_text=True)
    # every problem once, beside the file; what was typed is still in the form; nothing saved
    assert r.status_code == 422
    assert page.count("Dòng 3, cột «Số phiếu đồng ý»: phải là số") == 1
    assert page.count("Dòng 4, cột «Số phiếu đồng ý»: phải là số") == 1
    assert "Báo cáo gõ dở" in page and 'value="Bà Chủ Trì"' in page
    assert count() == 0
    db.session.expire_all()
    assert db.session.get(Dossier, dossier.id).summary != "Báo cáo gõ dở"
    good = _workbook(imports.NOMINEE_COLUMNS, [_nominee_row(form=_form_name())])
    r = send(good)
    assert r.status_code == 302 and r.headers["Location"].endswith("#nominees")
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Đã lưu và thêm 1 tập thể, cá nhân từ tệp Excel." in page
    assert count() == 1
    db.session.expire_all()
    saved = db.session.get(Dossier, dossier.id)
    assert saved.summary == "Báo cáo gõ dở" and saved.council_chair == "Bà Chủ Trì"


def test_the_board_imports_earlier_awards(client, world):
    login(client, "appraiser")
    page = client.get("/tong-quan/khen-thuong/nhap")
    assert page.status_code == 200
    token = csrf_of(page.get_data(as_text=True))
    bad = _workbook(imports.AWARD_COLUMNS, [_award_row(decided="32/01/2018")],
                    sheet="Khen thưởng")
    r = client.post("/tong-quan/khen-thuong/nhap",
                    data={"csrf_token": token, "file": (io.BytesIO(bad), "kt.xlsx")})
    assert r.status_code == 422
    assert "Dòng 2, cột «Ngày QĐ»" in r.get_data(as_text=True)
    good = _workbook(imports.AWARD_COLUMNS, [_award_row()], sheet="Khen thưởng")
    r = client.post("/tong-quan/khen-thuong/nhap", follow_redirects=True,
                    data={"csrf_token": token, "file": (io.BytesIO(good), "kt.xlsx")})
    assert "Đã nhập 1 khen thưởng" in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AwardRecord)) == 1
    login(client, "staff_a")
    assert client.get("/tong-quan/khen-thuong/nhap").status_code == 403
