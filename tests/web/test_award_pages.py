"""Issue 13: the Khen thưởng pages and the appraisal's earlier awards and flags."""
import re

import pytest

from tests import helpers
from tests.award_helpers import imported, issue
from tests.web.test_views import login


@pytest.fixture
def awarded(world):
    campaign = helpers.make_campaign(world)
    issue(world, campaign, [helpers.appraised_dossier(world, campaign)])
    imported("Nguyễn Văn An", world.units["PDK"], 2020, organisation="PDK")
    return campaign


def test_the_menu_search_and_history_pages(client, world, awarded):
    login(client, "chairman")
    page = client.get("/").get_data(as_text=True)
    assert 'href="/khen-thuong/"' in page and ">Khen thưởng</a>" in page
    html = client.get("/khen-thuong/?q=NGUYEN+van+an").get_data(as_text=True)
    assert "Tìm thấy 2 tập thể, cá nhân cho «NGUYEN van an»." in html
    assert "Ủy ban nhân dân phường Đông Kinh" in html and "Sở Y tế" in html
    assert 'aria-current="page">Khen thưởng' in html
    links = re.findall(r'href="/khen-thuong/(\d+)"', html)
    assert len(links) == 2
    pages = [client.get(f"/khen-thuong/{i}").get_data(as_text=True) for i in links]
    assert all("<caption" in p and "Quá trình khen thưởng (1)" in p for p in pages)
    assert {"01/QĐ-UBND" in p for p in pages} == {True, False}
    assert all("Cấp tỉnh" in p for p in pages)


def test_a_unit_sees_only_its_own_units_awards(client, world, awarded):
    login(client, "staff_b")
    html = client.get("/khen-thuong/?q=an").get_data(as_text=True)
    assert "Tìm thấy 1 tập thể, cá nhân" in html and "Sở Y tế" not in html
    assert client.get("/khen-thuong/1").status_code == 404  # SYT's collective


def test_the_appraisal_page_shows_earlier_awards_and_flags(client, world, awarded):
    second = helpers.make_campaign(world)
    dossier = helpers.complete_dossier(world, second)
    login(client, "appraiser")
    html = client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    assert "Khen thưởng trước đây" in html and "Quyết định số 01/QĐ-UBND" in html
    assert 'data-flag="awarded_same_year"' in html
    assert "một thành tích chỉ được khen thưởng một lần" in html
