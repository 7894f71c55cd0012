"""Issue 11: a readable preview of every generated paper, composed from the same content as
its DOCX (one source, two renderings), scoped exactly like its download."""
import html
import re

import pytest

from tests import helpers
from tests.docgen.support import open_docx, paragraphs, scenario
from tests.web.test_views import login

# (collection, item attribute of the scenario, document name, who opens it)
PAPERS = [
    ("campaigns", "campaign", "launch", "board_head"),
    ("plans", "plan", "plan", "head_a"),
    ("dossiers", "syt", "proposal", "staff_a"),
    ("dossiers", "syt", "minutes", "appraiser"),
    ("decisions", "decision", "proposal", "chairman"),
    ("decisions", "decision", "decision", "clerk"),
    ("decisions", "decision", "certificates", "board_head"),
]
TAGS = re.compile(r"<[^>]+>")


def flat(text):
    return " ".join(text.split())


def sheets(page):
    """What a reader sees of the paper(s) on the preview page: tags out, entities decoded."""
    start = page.index('<div class="preview-sheets"')
    return flat(html.unescape(TAGS.sub(" ", page[start:])))


def docx_of(client, collection, item_id, name):
    response = client.get(f"/api/v1/{collection}/{item_id}/documents/{name}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return open_docx(response.data)


@pytest.fixture
def issued(world):
    return scenario(world)


# Under `make test-s3` (marked storage): the issued decision's preview beside its download,
# and the uploaded scan; the other papers are kept and read back the same way.
@pytest.mark.parametrize("collection, attr, name, who", [
    pytest.param(*paper, marks=[pytest.mark.storage] if paper[2] == "decision" else [])
    for paper in PAPERS])
def test_the_preview_says_what_the_docx_says(client, world, issued, collection, attr, name, who):
    item = getattr(issued, attr)
    login(client, who)
    item_page = client.get(f"/{collection}/{item.id}").get_data(as_text=True)
    url = f"/{collection}/{item.id}/documents/{name}/xem-truoc"
    assert f'href="{url}"' in item_page  # "Xem trước" beside the download
    response = client.get(url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    shown = sheets(page)
    doc = docx_of(client, collection, item.id, name)
    lines = [flat(p.text) for p in paragraphs(doc) if p.text.strip()]
    assert lines
    # Every line of the DOCX, in the preview: letterhead, title, Căn cứ, body, Nơi nhận,
    # signature, the attached list, each certificate.
    missing = [line for line in lines if line not in shown]
    assert not missing, missing
    # and the key parts by name
    if name != "certificates":
        number = next(line for line in lines if line.startswith("Số:"))
        assert number in shown and "DỰ THẢO" not in lines
        bases = [line for line in lines if line.startswith("Căn cứ")]
        assert all(b in shown for b in bases)
        if name == "decision":
            assert len(bases) >= 2
        recipients = lines[lines.index("Nơi nhận:") + 1:] if "Nơi nhận:" in lines else []
        for entry in recipients[:3]:
            assert entry in shown
    signer = issued.decision.approved_by.full_name if attr == "decision" and name != "proposal" else None
    if signer:
        assert signer in shown
    assert "preview.css" in page and "Tải " in page


def test_a_draft_preview_is_marked_and_blank_numbered(client, world):
    campaign = helpers.make_campaign(world)
    plan = helpers.complete_plan(world, campaign)
    login(client, "staff_a")
    page = client.get(f"/plans/{plan.id}/documents/plan/xem-truoc").get_data(as_text=True)
    shown = sheets(page)
    assert "DỰ THẢO" in shown and "Dự thảo" in page
    doc = docx_of(client, "plans", plan.id, "plan")
    for p in paragraphs(doc):
        if p.text.strip():
            assert flat(p.text) in shown


def test_typed_text_is_escaped_in_the_preview(client, world):
    from app.services import plans

    campaign = helpers.make_campaign(world)
    plan = helpers.complete_plan(world, campaign)
    plans.update_plan(world.users["staff_a"], plan.id,
                      {"summary": '<script>alert("x")</script> & <b>đậm</b>'}, plan.version)
    login(client, "staff_a")
    page = client.get(f"/plans/{plan.id}/documents/plan/xem-truoc").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert "<b>đậm</b>" not in page


def test_another_units_people_cannot_preview(client, world, issued):
    login(client, "staff_b")  # UBND phường Đông Kinh
    for collection, item_id, name in (("plans", issued.plan.id, "plan"),
                                      ("dossiers", issued.syt.id, "proposal"),
                                      ("dossiers", issued.syt.id, "minutes")):
        assert client.get(f"/api/v1/{collection}/{item_id}/documents/{name}").status_code == 404
        assert client.get(f"/{collection}/{item_id}/documents/{name}/xem-truoc").status_code == 404
    # its own dossier's paper, yes
    assert client.get(f"/dossiers/{issued.pdk.id}/documents/proposal/xem-truoc").status_code == 200


@pytest.mark.storage
def test_unknown_papers_and_uploaded_scans_have_no_preview(client, world, issued):
    login(client, "clerk")
    d = issued.decision.id
    assert client.get(f"/decisions/{d}/documents/nothing/xem-truoc").status_code == 404
    assert client.get(f"/decisions/{d}/documents/decision_signed/xem-truoc").status_code == 404
    assert client.get(f"/offices/{d}/documents/decision/xem-truoc").status_code == 404
