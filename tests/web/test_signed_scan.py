"""Issue 11: the Office attaches the signed scan (PDF) from the decision's page
(templates/work/decision.html → registers.signed_scan), and it is listed and downloadable
there beside the generated DOCX."""
import hashlib
import io
import re

import pytest

from app.extensions import db
from app.models import Decision
from tests import helpers
from tests.docgen.support import SYT_NOMINEES, appraised, approve, new_decision
from tests.web.test_views import csrf_of, login


def _approved(world, campaign):
    dossier = appraised(world, campaign, "SYT", "staff_a", "head_a", SYT_NOMINEES)
    return approve(world, new_decision(world, campaign, [dossier.nominees[0].id]))


def _send(client, decision, page, body, filename):
    """The page's form sent, with the version the page was drawn at."""
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    return client.post(f"/decisions/{decision.id}/signed-scan", data={
        "csrf_token": csrf_of(page), "version": version,
        "file": (io.BytesIO(body), filename)},
        content_type="multipart/form-data", follow_redirects=True)


@pytest.mark.storage
def test_the_office_attaches_the_signed_scan_on_the_page_and_it_downloads(client, world,
                                                                         campaign):
    decision = _approved(world, campaign)
    url = f"/decisions/{decision.id}"

    login(client, "appraiser")  # the Board sees the decision, not the Office's form
    page = client.get(url).get_data(as_text=True)
    assert "signed-scan" not in page
    assert client.post(f"{url}/signed-scan", data={
        "csrf_token": csrf_of(page), "file": (io.BytesIO(helpers.PDF), "scan.pdf")},
        content_type="multipart/form-data").status_code == 403

    login(client, "clerk")
    page = client.get(url).get_data(as_text=True)
    assert f'action="{url}/signed-scan"' in page and 'id="signed-scan"' in page
    assert "gửi kèm thư khi ban hành" in page  # before issue it goes with the mail

    refused = _send(client, decision, page, b"PK\x03\x04not a pdf", "scan.docx")
    assert refused.status_code == 200
    html = refused.get_data(as_text=True)
    assert "alert-danger" in html and "Đã lưu bản chụp" not in html
    missing = client.post(f"{url}/signed-scan", data={"csrf_token": csrf_of(page)},
                          follow_redirects=True).get_data(as_text=True)
    assert "Chọn tệp PDF bản chụp quyết định đã ký." in missing

    done = _send(client, decision, page, helpers.PDF, "Quyết định đã ký.pdf")
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "Đã lưu bản chụp quyết định đã ký." in html
    link = re.search(rf'href="(/api/v1/decisions/{decision.id}/documents/decision_signed)"',
                     html)
    assert link, "the scan is listed among the decision's papers"
    got = client.get(link.group(1))
    assert got.status_code == 200 and got.data == helpers.PDF
    assert got.headers["Content-Type"] == "application/pdf"
    history = client.get(f"{url}/history").get_data(as_text=True)
    assert hashlib.sha256(helpers.PDF).hexdigest() in history

    stale = _send(client, decision, page, helpers.PDF, "scan.pdf")
    assert stale.status_code == 409  # the page was drawn before the scan was kept
    db.session.expire_all()
    assert db.session.get(Decision, decision.id).state == "approved"
