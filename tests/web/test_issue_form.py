"""Issue 20, item 1: the Office's «Ban hành» form on /decisions/{id}. What the văn thư typed
comes back after every round trip; the button's question names the number and date it will
use; an empty number is issued only as the number the page named, and refused (nothing
changed, the page asking again with the new number) once another issue took it."""
import html as html_lib
import io
import re
from datetime import timedelta

import pytest

from app.clock import today
from app.extensions import db
from app.models import Decision, WorkflowEvent
from app.services import registers
from tests import helpers
from tests.docgen.support import SYT_NOMINEES, appraised, approve, new_decision
from tests.web.test_views import csrf_of, login


def _approved(world, campaign, count=1):
    dossier = appraised(world, campaign, "SYT", "staff_a", "head_a", SYT_NOMINEES)
    return [approve(world, new_decision(world, campaign, [n.id]))
            for n in dossier.nominees[:count]]


def _field(page, field_id):
    """The value an input of the page is drawn with ("" without one)."""
    tag = re.search(rf'<input[^>]*id="{field_id}"[^>]*>', page, re.S).group(0)
    value = re.search(r'value="([^"]*)"', tag)
    return html_lib.unescape(value.group(1)) if value else ""


def _issue_button(page):
    return re.search(r'<button[^>]*data-trigger="issue"[^>]*>', page, re.S).group(0)


def _attr(tag, name):
    return html_lib.unescape(re.search(rf'{name}="([^"]*)"', tag).group(1))


def _expected(page):
    return re.search(r'name="expected_number" value="(\d+)"', page).group(1)


def _issue(client, decision, page, **fields):
    data = {"csrf_token": csrf_of(page), "trigger": "issue",
            "version": re.search(r'name="version" value="(\d+)"', page).group(1), **fields}
    return client.post(f"/decisions/{decision.id}/transitions", data=data)


def test_the_issue_button_names_the_next_number_and_today(client, world):
    campaign = helpers.make_campaign(world)
    [decision] = _approved(world, campaign)
    registers.set_last(world.users["clerk"], "UBND", "QĐ", today().year, 1204)
    login(client, "clerk")
    page = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
    button = _issue_button(page)
    assert _attr(button, "data-confirm").startswith(
        f"Ban hành quyết định số 1205/QĐ-UBND, ngày {today():%d/%m/%Y}: ")
    # the page fills in what is typed (app.js) from the process's own words
    assert _attr(button, "data-confirm-template").startswith(
        "Ban hành quyết định số {number}, ngày {date}: ")
    assert _expected(page) == "1205"
    assert f'data-next-numbers="{{&#34;{today().year}&#34;: 1205}}"' in page
    assert 'data-symbol="QĐ-UBND"' in page


def test_a_refused_issue_comes_back_with_the_number_and_date_typed(client, world):
    campaign = helpers.make_campaign(world)
    first, second = _approved(world, campaign, 2)
    on = today() - timedelta(days=400)  # before the tờ trình: refused
    login(client, "clerk")
    url = f"/decisions/{first.id}"
    page = client.get(url).get_data(as_text=True)
    r = _issue(client, first, page, number="57", issued_on=on.isoformat(),
               expected_number=_expected(page))
    assert r.status_code == 302
    again = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Ngày ban hành không được trước ngày" in again
    assert _field(again, "number-issue") == "57"
    assert _field(again, "issued-on-issue") == on.isoformat()

    # a number another decision holds: refused, typed values kept, nothing changed
    page = client.get(f"/decisions/{second.id}").get_data(as_text=True)
    assert _issue(client, second, page, number="57").status_code == 302
    db.session.expire_all()
    assert db.session.get(Decision, second.id).number == 57
    page = client.get(url).get_data(as_text=True)
    r = _issue(client, first, page, number="57", issued_on=today().isoformat())
    again = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Số 57 đã được cấp" in again
    assert _field(again, "number-issue") == "57"
    assert _field(again, "issued-on-issue") == today().isoformat()
    # the question now names what is typed; the page's script does that, from these
    assert _attr(_issue_button(again), "data-confirm-template").startswith(
        "Ban hành quyết định số {number}")
    db.session.expire_all()
    assert db.session.get(Decision, first.id).state == "approved"


@pytest.mark.storage
def test_saving_the_scan_keeps_the_number_and_date_typed(client, world):
    campaign = helpers.make_campaign(world)
    [decision] = _approved(world, campaign)
    login(client, "clerk")
    url = f"/decisions/{decision.id}"
    page = client.get(url).get_data(as_text=True)
    # the scan form carries the issue form's fields (app.js copies them when it is sent)
    assert 'data-copy-from="number-issue"' in page and 'data-copy-from="issued-on-issue"' in page
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    r = client.post(f"{url}/signed-scan", data={
        "csrf_token": csrf_of(page), "version": version, "number": "88",
        "issued_on": today().isoformat(), "file": (io.BytesIO(helpers.PDF), "scan.pdf")},
        content_type="multipart/form-data")
    assert r.status_code == 302
    again = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Đã lưu bản chụp quyết định đã ký." in again
    assert _field(again, "number-issue") == "88"
    assert _field(again, "issued-on-issue") == today().isoformat()
    # a refusal (no file) keeps them too
    r = client.post(f"{url}/signed-scan", data={
        "csrf_token": csrf_of(again), "number": "88", "issued_on": today().isoformat()})
    again = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Chọn tệp PDF bản chụp quyết định đã ký." in again
    assert _field(again, "number-issue") == "88"


def test_an_empty_number_is_issued_only_as_the_number_the_page_named(client, world):
    campaign = helpers.make_campaign(world)
    first, second = _approved(world, campaign, 2)
    login(client, "clerk")
    url = f"/decisions/{first.id}"
    page = client.get(url).get_data(as_text=True)
    assert _expected(page) == "1"

    # without the number the page named (not sent by the page): refused, nothing changed
    r = _issue(client, first, page)
    again = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Chưa xác nhận số sẽ cấp." in again
    db.session.expire_all()
    assert db.session.get(Decision, first.id).state == "approved"

    # another issue takes 01 after the page was drawn
    helpers.fire(world, "decision", second, "clerk", "issue")
    db.session.expire_all()
    assert db.session.get(Decision, second.id).number == 1
    version = db.session.get(Decision, first.id).version
    r = _issue(client, first, page, expected_number="1", issued_on=today().isoformat())
    assert r.status_code == 302
    again = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Số 01 không còn là số tiếp theo" in again and "Số tiếp theo bây giờ là 02." in again
    db.session.expire_all()
    first = db.session.get(Decision, first.id)
    assert (first.state, first.number, first.version) == ("approved", None, version)
    assert not db.session.scalars(db.select(WorkflowEvent).where(
        WorkflowEvent.item_type == "decision", WorkflowEvent.item_id == first.id,
        WorkflowEvent.trigger == "issue")).all()
    # the page asks again, with the new number, the date typed still there
    assert _expected(again) == "2"
    assert _attr(_issue_button(again), "data-confirm").startswith(
        "Ban hành quyết định số 02/QĐ-UBND")
    assert _field(again, "issued-on-issue") == today().isoformat()
    r = _issue(client, first, again, expected_number="2")
    assert "Đã thực hiện: Ban hành." in client.get(r.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Decision, first.id).number == 2


def test_an_empty_date_is_issued_only_as_the_day_the_page_named(client, world, api):
    """A page drawn yesterday (left open over midnight) named yesterday as the date: with
    no date typed the issue is refused, nothing changed, and the page asks again naming
    today; the API's expected_issued_on is kept the same way."""
    campaign = helpers.make_campaign(world)
    first, second = _approved(world, campaign, 2)
    login(client, "clerk")
    page = client.get(f"/decisions/{first.id}").get_data(as_text=True)
    assert re.search(rf'name="expected_issued_on" value="{today().isoformat()}"', page)
    yesterday = today() - timedelta(days=1)
    version = db.session.get(Decision, first.id).version
    r = _issue(client, first, page, expected_number=_expected(page),
               expected_issued_on=yesterday.isoformat())
    again = client.get(r.headers["Location"]).get_data(as_text=True)
    assert (f"Ngày đã xác nhận là {yesterday:%d/%m/%Y}, nhưng hôm nay là {today():%d/%m/%Y}"
            in html_lib.unescape(again))
    db.session.expire_all()
    first = db.session.get(Decision, first.id)
    assert (first.state, first.number, first.version) == ("approved", None, version)
    assert _attr(_issue_button(again), "data-confirm").startswith(
        f"Ban hành quyết định số 01/QĐ-UBND, ngày {today():%d/%m/%Y}")
    r = _issue(client, first, again, expected_number=_expected(again),
               expected_issued_on=today().isoformat())
    assert "Đã thực hiện: Ban hành." in client.get(r.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Decision, first.id).issued_on == today()

    body = {"trigger": "issue", "version": second.version,
            "expected_issued_on": yesterday.isoformat()}
    refused = api("clerk").post(f"/api/v1/decisions/{second.id}/transitions", json=body)
    assert refused.status_code == 409, refused.get_json()
    assert refused.get_json()["error"]["code"] == "issue_date_changed"
    db.session.expire_all()
    assert db.session.get(Decision, second.id).state == "approved"
    body["expected_issued_on"] = today().isoformat()
    assert api("clerk").post(f"/api/v1/decisions/{second.id}/transitions",
                             json=body).status_code == 200
