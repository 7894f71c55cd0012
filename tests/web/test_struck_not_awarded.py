"""Issue 20, item 3: a nominee the Chairman struck never reads as awarded.

One decision is issued with «Lê Thị Bích» struck («Chưa đủ tiêu chuẩn»). Every list,
export and print that shows a nominee's award is read back: the campaign's nominee page
(as the Board and as the unit, each status filter), its Excel from the page and from the
API (opened with openpyxl), the decision's awardee sheet and Excel, the figures, the
award register and the award history. Her row shows «Bị loại khi phê duyệt», never the
decision's number and date; her colleagues' rows show them.
"""
import io
import re

import openpyxl
import pytest

from app.services import overview
from tests import helpers
from tests.services.test_spreadsheets import issued_decision
from tests.web.test_views import login

STRUCK = "Lê Thị Bích"
KEPT = "Nguyễn Văn An"


@pytest.fixture
def issued(world):
    campaign = helpers.make_campaign(world)
    decision, dossier = issued_decision(world, campaign)
    return campaign, decision


def _date(d):
    return d.strftime("%d/%m/%Y")


def _row_of(html, name):
    (row,) = [r for r in re.findall(r"<tr>(.*?)</tr>", html, re.S) if name in r]
    return row


def _sheet(data):
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    heads = [c.value for c in ws[1]]
    return [dict(zip(heads, row, strict=True)) for row in ws.iter_rows(min_row=2, values_only=True)]


@pytest.mark.parametrize("who", ["board_head", "appraiser", "chairman", "staff_a"])
def test_the_nominee_page_shows_her_struck_not_with_the_decisions_number(client, issued, who):
    campaign, decision = issued
    login(client, who)
    html = client.get(f"/campaigns/{campaign.id}/nominees").get_data(as_text=True)
    struck, kept = _row_of(html, STRUCK), _row_of(html, KEPT)
    assert 'data-outcome="struck"' in struck and "Bị loại khi phê duyệt" in struck
    assert "Chưa đủ tiêu chuẩn" in struck  # her own unit and the province read why
    assert decision.number_label not in struck and _date(decision.issued_on) not in struck
    assert 'data-outcome="awarded"' in kept
    assert f"{decision.number_label} ngày {_date(decision.issued_on)}" in kept


def test_each_status_filter_and_its_figure_agree(client, issued, world):
    campaign, decision = issued
    login(client, "board_head")
    awarded = client.get(f"/campaigns/{campaign.id}/nominees?status=awarded").get_data(
        as_text=True)
    assert KEPT in awarded and STRUCK not in awarded
    struck = client.get(f"/campaigns/{campaign.id}/nominees?status=struck").get_data(
        as_text=True)
    assert STRUCK in struck and KEPT not in struck and decision.number_label not in struck
    figures = overview.campaign_overview(world.users["board_head"], campaign.id)
    counts = {n["status"]: n["count"] for n in figures["nominees"]}
    assert counts["awarded"] == 2 and counts["struck"] == 1


@pytest.mark.parametrize("via", ["page", "api"])
def test_the_nominee_export_has_no_number_or_date_for_her(client, api, issued, via):
    campaign, decision = issued
    if via == "page":
        login(client, "appraiser")
        r = client.get(f"/campaigns/{campaign.id}/nominees.xlsx")
    else:
        r = api("appraiser").get(f"/api/v1/excel/campaigns/{campaign.id}/nominees")
    assert r.status_code == 200
    rows = {row["Tên tập thể, họ tên cá nhân"]: row for row in _sheet(r.data)}
    r.close()
    her = rows[STRUCK]
    assert her["Bị loại khi phê duyệt"] == "Có"
    assert her["Số quyết định"] in (None, "") and her["Ngày quyết định"] is None
    assert her["Lý do"] == "Chưa đủ tiêu chuẩn"
    an = rows[KEPT]
    assert an["Bị loại khi phê duyệt"] in (None, "")
    assert an["Số quyết định"] == decision.number_label
    assert an["Ngày quyết định"].date() == decision.issued_on


def test_the_decisions_awardee_sheet_export_register_and_history_leave_her_out(
        client, api, issued):
    campaign, decision = issued
    login(client, "clerk")
    sheet = client.get(f"/decisions/{decision.id}/danh-sach").get_data(as_text=True)
    assert KEPT in sheet and STRUCK not in sheet
    r = client.get(f"/decisions/{decision.id}/awardees.xlsx")
    names = [row["Họ tên"] for row in _sheet(r.data)]
    r.close()
    assert KEPT in names and STRUCK not in names
    r = client.get(f"/tong-quan/khen-thuong.xlsx?year={decision.issued_on.year}")
    names = [row.get("Tên tập thể, họ tên cá nhân") or row.get("Họ tên") for row in _sheet(r.data)]
    r.close()
    assert KEPT in names and STRUCK not in names
    register = client.get(f"/tong-quan/khen-thuong?year={decision.issued_on.year}").get_data(
        as_text=True)
    assert KEPT in register and STRUCK not in register
    found = api("board_head").get(f"/api/v1/awards?q={STRUCK}").get_json()
    assert found["total"] == 0
