"""A whole campaign through the pages (server side): each role signs in and does its part."""
import io
import re

from app.clock import today
from app.extensions import db
from app.models import Decision, Dossier, Nominee, Plan
from tests import helpers
from tests.web.test_views import csrf_of, login


def act(client, url, **data):
    """Open ``url``, then post its form (or the one at ``_to``) with the page's CSRF token;
    answers the text of the page it lands on."""
    page = client.get(url).get_data(as_text=True)
    target = data.pop("_to", url)
    r = client.post(target, data={"csrf_token": csrf_of(page), **data}, follow_redirects=True)
    assert r.status_code == 200, r.status_code
    return r.get_data(as_text=True)


def fire(client, kind, item, trigger, comment=None):
    db.session.refresh(item)
    page = client.get(f"/{kind}s/{item.id}").get_data(as_text=True)
    assert f'data-trigger="{trigger}"' in page, (trigger, re.findall(r'data-trigger="(\w+)"', page))
    data = {"csrf_token": csrf_of(page), "trigger": trigger, "version": item.version}
    expected = re.search(r'name="expected_number" value="(\d+)"', page)
    if expected:  # «Ban hành» sends the next number its confirmation named
        data["expected_number"] = expected.group(1)
    if comment:
        data["comment"] = comment
    r = client.post(f"/{kind}s/{item.id}/transitions", data=data, follow_redirects=True)
    assert r.status_code == 200
    return r.get_data(as_text=True)


def test_plan_and_dossier_written_on_the_pages_then_appraised_and_decided(app, world):
    c = app.test_client()
    campaign = helpers.make_campaign(world)
    plan = helpers.unit_item(Plan, campaign, "SYT")
    dossier = helpers.unit_item(Dossier, campaign, "SYT")

    login(c, "staff_a")
    form = {f"section-{ct.id}": f"Hưởng ứng {ct.title}" for ct in campaign.contents}
    form.update({f"target-{t.id}": "100" for t in campaign.targets})
    form.update({"summary": "Mục đích", "version": plan.version})
    assert "Đã lưu." in act(c, f"/plans/{plan.id}/edit", **form)
    fire(c, "plan", plan, "submit")

    form = {"summary": "Báo cáo", "council_meeting_date": today().strftime("%d/%m/%Y"),
            "council_members_total": "9", "council_members_present": "9",
            "council_chair": "Trần Văn Bình", "council_secretary": "Nguyễn Thị Lan",
            "council_minutes_number": "3", "council_started_at": "08:00",
            "council_ended_at": "10:30", "council_members": "Ông Trần Văn Bình\r\nBà Nguyễn Thị Lan",
            "version": dossier.version}
    form.update({f"target-{t.id}": "99,5" for t in campaign.targets})
    assert "Đã lưu." in act(c, f"/dossiers/{dossier.id}/edit", **form)
    db.session.refresh(dossier)
    assert (dossier.council_minutes_number, dossier.council_started_at.strftime("%H:%M"),
            dossier.council_ended_at.strftime("%H:%M"), dossier.council_members) == (
        3, "08:00", "10:30", "Ông Trần Văn Bình\nBà Nguyễn Thị Lan")
    for name, kind, votes in (("Khoa Dược", "collective", "9"), ("Nguyễn Văn An", "individual", "8"),
                              ("Lê Thị Bích", "individual", "7")):
        db.session.refresh(dossier)
        r = act(c, f"/dossiers/{dossier.id}/edit", **{**form, "version": dossier.version},
                op="add_nominee", **{"new-kind": kind, "new-name": name,
                                     "new-title": "" if kind == "collective" else "Ông",
                                     "new-award_form": "BKCT", "new-votes_for": votes,
                                     "new-organisation": "Sở Y tế"})
        assert "Đã lưu." in r
    db.session.refresh(dossier)
    uploads = [
        ("bao_cao_thanh_tich", n.id) for n in dossier.nominees]
    for kind, nominee_id in uploads:
        db.session.refresh(dossier)
        page = c.get(f"/dossiers/{dossier.id}/edit").get_data(as_text=True)
        data = {"csrf_token": csrf_of(page), "upload-kind": kind, "op": "upload",
                "version": dossier.version,
                "upload-file": (io.BytesIO(helpers.PDF), "Báo cáo thành tích.pdf")}
        if nominee_id:
            data["upload-nominee"] = str(nominee_id)
        r = c.post(f"/dossiers/{dossier.id}/edit", data=data,
                   content_type="multipart/form-data", follow_redirects=True)
        assert "Đã lưu." in r.get_data(as_text=True)
    fire(c, "dossier", dossier, "submit")

    login(c, "head_a")
    fire(c, "plan", plan, "sign_off")
    fire(c, "dossier", dossier, "sign_off")

    login(c, "appraiser")
    fire(c, "dossier", dossier, "start_appraisal")
    db.session.refresh(dossier)
    nominees = list(dossier.nominees)
    for n in nominees[:2]:
        page = c.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
        r = c.post(f"/dossiers/{dossier.id}/nominees/{n.id}/verdict",
                   data={"csrf_token": csrf_of(page), "verdict": "accepted"})
        # back at that nominee, not at the page's top
        assert r.status_code == 302
        assert r.headers["Location"].endswith(f"/dossiers/{dossier.id}#nominee-{n.id}")
    page = c.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    r = c.post(f"/dossiers/{dossier.id}/nominees/{nominees[2].id}/verdict",
               data={"csrf_token": csrf_of(page), "verdict": "declined", "reason": "  "})
    # refused beside that nominee, naming them, its field focused
    assert r.status_code == 422
    assert re.search(rf'id="reason-error-{nominees[2].id}" role="alert">Chưa ghi ý kiến cho '
                     rf'[^<]*{nominees[2].name}: Cần ghi lý do không đề nghị khen thưởng.',
                     r.get_data(as_text=True))
    assert re.search(rf'id="reason-{nominees[2].id}"[^>]*autofocus', r.get_data(as_text=True))
    act(c, f"/dossiers/{dossier.id}", _to=f"/dossiers/{dossier.id}/nominees/{nominees[2].id}/verdict",
        verdict="declined", reason="Chưa đủ tiêu chuẩn")
    fire(c, "dossier", dossier, "complete_appraisal")
    r = act(c, f"/decisions/new?campaign_id={campaign.id}&award_form=BKCT", _to="/decisions",
            campaign_id=campaign.id, award_form="BKCT", dossier_ids=str(dossier.id))
    assert "Đã lập dự thảo quyết định từ 1 hồ sơ." in r
    decision = db.session.scalars(db.select(Decision)).one()
    page = c.get(f"/decisions/{decision.id}").get_data(as_text=True)
    assert "Nguyễn Văn An" in page and "Lê Thị Bích" not in page  # declined: not eligible
    act(c, f"/decisions/{decision.id}", _to=f"/decisions/{decision.id}/nominees",
        nominee_ids=[str(n.id) for n in nominees[:2]])
    fire(c, "decision", decision, "submit")

    login(c, "board_head")
    fire(c, "decision", decision, "sign_proposal")
    login(c, "chairman")
    r = act(c, f"/decisions/{decision.id}",
            _to=f"/decisions/{decision.id}/nominees/{nominees[1].id}/strike",
            reason="Đã được khen thưởng cho thành tích này")
    assert "Đã loại: Đã được khen thưởng cho thành tích này" in r and "Danh sách (1)" in r
    fire(c, "decision", decision, "approve")
    login(c, "clerk")
    page = fire(c, "decision", decision, "issue")
    assert "Quyết định số 01/QĐ-UBND" in page
    db.session.refresh(dossier)
    assert dossier.state == "decided"
    assert db.session.get(Nominee, nominees[1].id).struck
