"""A regular-emulation year (thi đua thường xuyên) through the API: the Board launches it,
the units register their titles (one late, reminded), the heads sign, the Board receives;
who has registered, counted; and the registration check on the year's title nominees."""
from datetime import timedelta

import pytest

from app.clock import today
from app.extensions import db
from app.models import Dossier, OutboxMessage, ReminderLog
from app.services import dossiers
from tests import helpers
from tests.helpers import campaign_spec


def year_spec(**overrides):
    spec = campaign_spec(
        kind="regular", year=today().year,
        title=f"Kế hoạch tổ chức phong trào thi đua thường xuyên năm {today().year}",
        contents=[], plan_deadline=None,
        period_start=today() - timedelta(days=5), period_end=today() + timedelta(days=300),
        registration_deadline=today() + timedelta(days=10),
        dossier_deadline=today() + timedelta(days=310),
        award_forms=[{"code": c} for c in ("LDTT", "CSTDCS", "TTLDTT", "CSTDT", "TTLDXS",
                                           "CTDT", "BKCT", "GK")])
    spec.update(overrides)
    return spec


def iso(spec):
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in spec.items()}


ENTRIES = [
    {"kind": "collective", "name": "Sở Y tế", "award_form": "TTLDXS"},
    {"kind": "individual", "name": "Nguyễn Văn An", "position_title": "Trưởng phòng",
     "organisation": "SYT", "award_form": "CSTDT"},
    {"kind": "individual", "name": "Lê Thị Bích", "position_title": "Chuyên viên",
     "organisation": "SYT", "award_form": "CSTDCS"},
]


def _registration_of(client, cid):
    items = client.get(f"/api/v1/registrations?campaign_id={cid}").get_json()["items"]
    assert len(items) == 1  # a unit's people see their own unit's registration only
    return client.get(f"/api/v1/registrations/{items[0]['id']}").get_json()


def test_a_year_launched_registered_reminded_received_and_counted(api, world):
    board, appraiser = api("board_head"), api("appraiser")
    r = board.post("/api/v1/campaigns", json=iso(year_spec()))
    assert r.status_code == 201, r.get_json()
    year = r.get_json()
    assert (year["kind"], year["year"], year["block_unregistered"]) == (
        "regular", today().year, False)
    cid = year["id"]
    r = board.fire("campaign", cid, "launch", version=year["version"])
    assert r.status_code == 200, r.get_json()
    # a year opens registrations and dossiers, no plans
    assert board.get(f"/api/v1/plans?campaign_id={cid}").get_json()["total"] == 0
    status = board.get(f"/api/v1/campaigns/{cid}/registrations").get_json()
    assert status["counts"]["units"] == 2 and status["counts"]["registered"] == 0
    assert {r["state"] for r in status["items"]} == {"draft"}

    # -- SYT registers its titles: a Bằng khen is not a title and is refused -------------------
    staff, head = api("staff_a"), api("head_a")
    reg = _registration_of(staff, cid)
    assert staff.fire("registration", reg["id"], "submit").status_code == 422  # empty
    r = staff.patch(f"/api/v1/registrations/{reg['id']}", json={
        "version": reg["version"],
        "entries": ENTRIES + [{"kind": "individual", "name": "Hà Văn C", "award_form": "BKCT"}]})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "not_a_title"
    r = staff.patch(f"/api/v1/registrations/{reg['id']}", json={
        "version": reg["version"], "note": "Đơn vị cam kết thực hiện.", "entries": ENTRIES})
    assert r.status_code == 200, r.get_json()
    assert [e["award_form"] for e in r.get_json()["entries"]] == ["TTLDXS", "CSTDT", "CSTDCS"]
    assert staff.fire("registration", reg["id"], "submit").status_code == 200
    inbox = head.get("/api/v1/inbox").get_json()  # it waits for the head's signature
    assert [(i["kind"], i["id"]) for i in inbox["items"]] == [("registration", reg["id"])]
    r = head.fire("registration", reg["id"], "sign_off")
    assert r.status_code == 200, r.get_json()
    signed = head.get(f"/api/v1/registrations/{reg['id']}").get_json()
    assert signed["state"] == "submitted" and signed["symbol"] == "SYT-TĐKT"
    docs = head.get(f"/api/v1/registrations/{reg['id']}/documents").get_json()
    assert [(d["name"], d["final"]) for d in docs if d["name"] == "registration"] == [
        ("registration", True)]

    # -- the Board sees who has not registered, and reminds them: PDK only -------------------
    unregistered = board.get(
        f"/api/v1/campaigns/{cid}/registrations?show=unregistered").get_json()
    assert [r["unit_code"] for r in unregistered["items"]] == ["PDK"]
    assert unregistered["counts"]["registered"] == 1
    r = board.post(f"/api/v1/campaigns/{cid}/registrations/reminders")
    assert r.status_code == 200 and r.get_json() == {"units": 1, "messages": 2}
    sent = db.session.scalars(db.select(OutboxMessage).where(
        OutboxMessage.template == "reminder.registration")).all()
    assert sorted(m.recipient_email for m in sent) == ["head_b@tdkt.test", "staff_b@tdkt.test"]
    assert all("Ủy ban nhân dân phường Đông Kinh chưa gửi bản đăng ký" in m.payload["lead"]
               for m in sent)
    # once a day
    assert board.post(f"/api/v1/campaigns/{cid}/registrations/reminders").get_json() == {
        "units": 0, "messages": 0}
    assert db.session.scalar(db.select(db.func.count()).select_from(ReminderLog)) == 2
    # a unit may not see the Board's page nor remind
    assert staff.get(f"/api/v1/campaigns/{cid}/registrations").status_code == 403
    assert staff.post(f"/api/v1/campaigns/{cid}/registrations/reminders").status_code == 403

    # the daily reminders tell a unit whose registration is due soon, as for plans
    from app.services import outbox

    current = board.get(f"/api/v1/campaigns/{cid}").get_json()
    assert board.patch(f"/api/v1/campaigns/{cid}", json={
        "version": current["version"],
        "registration_deadline": (today() + timedelta(days=2)).isoformat()}).status_code == 200
    assert outbox.send_reminders()["unit"] == 0  # the Board reminded them today already
    tomorrow = today() + timedelta(days=1)
    assert outbox.send_reminders(tomorrow)["unit"] == 2  # PDK's staff and head: due soon
    # -- the deadline passes; PDK registers late (the year accepts late items) ---------------
    current = board.get(f"/api/v1/campaigns/{cid}").get_json()
    r = board.patch(f"/api/v1/campaigns/{cid}", json={
        "version": current["version"], "accepts_late": True,
        "registration_deadline": (today() - timedelta(days=1)).isoformat()})
    assert r.status_code == 200, r.get_json()
    late = board.get(f"/api/v1/campaigns/{cid}/registrations?show=late").get_json()
    assert [r["unit_code"] for r in late["items"]] == ["PDK"]
    staff_b, head_b = api("staff_b"), api("head_b")
    reg_b = _registration_of(staff_b, cid)
    r = staff_b.patch(f"/api/v1/registrations/{reg_b['id']}", json={
        "version": reg_b["version"],
        "entries": [{"kind": "collective", "name": "Ủy ban nhân dân phường Đông Kinh",
                     "award_form": "TTLDTT"}]})
    assert r.status_code == 200, r.get_json()
    assert staff_b.fire("registration", reg_b["id"], "submit").status_code == 200
    assert head_b.fire("registration", reg_b["id"], "sign_off").status_code == 200
    assert staff_b.get(f"/api/v1/registrations/{reg_b['id']}").get_json()["late"] is True

    # -- the Board receives both; the counts say so ----------------------------------------
    for rid in (reg["id"], reg_b["id"]):
        r = appraiser.fire("registration", rid, "receive")
        assert r.status_code == 200 and r.get_json()["state"] == "received"
    status = board.get(f"/api/v1/campaigns/{cid}/registrations").get_json()
    assert status["counts"] == {"units": 2, "registered": 2, "unregistered": 0,
                                "by_state": {"received": 2}}
    assert [(r["unit_code"], r["entries"], r["late"]) for r in status["items"]] == [
        ("PDK", 1, True), ("SYT", 3, False)]
    assert board.get(f"/api/v1/campaigns/{cid}/registrations?q=Đông Kinh").get_json()[
        "total"] == 1
    assert board.get(f"/api/v1/campaigns/{cid}/registrations?show=nope").status_code == 422
    # a received registration is final
    assert staff.patch(f"/api/v1/registrations/{reg['id']}", json={
        "version": signed["version"] + 1, "entries": ENTRIES}).status_code in (409, 403)


@pytest.mark.parametrize("block", [False, True])
def test_title_nominees_without_registration_are_flagged_or_blocked(world, block):
    from app.services import campaigns, workflow

    users = world.users
    year = campaigns.create_campaign(users["board_head"], year_spec(block_unregistered=block))
    year = workflow.perform("campaign", year.id, users["board_head"], "launch",
                            version=year.version)
    from app.models import Registration

    reg = helpers.unit_item(Registration, year, "SYT")
    from app.services import registrations

    registrations.update_registration(users["staff_a"], reg.id, {"entries": ENTRIES},
                                      reg.version)
    helpers.fire(world, "registration", reg, "staff_a", "submit")
    helpers.fire(world, "registration", reg, "head_a", "sign_off")
    nominees = [
        # registered for this title: passes
        {"kind": "individual", "name": "Nguyễn  văn An", "title": "Ông",
         "position_title": "Trưởng phòng", "organisation": "SYT", "award_form": "CSTDT",
         "votes_for": 9},
        # registered, but for another title: flagged
        {"kind": "individual", "name": "Lê Thị Bích", "title": "Bà", "organisation": "SYT",
         "award_form": "CSTDT", "votes_for": 9},
        # a Bằng khen is never checked
        {"kind": "individual", "name": "Hà Văn Cường", "title": "Ông", "organisation": "SYT",
         "award_form": "BKCT", "votes_for": 9},
    ]
    d = helpers.complete_dossier(world, year, nominees=nominees)
    helpers.fire(world, "dossier", d, "staff_a", "submit")
    helpers.fire(world, "dossier", d, "head_a", "sign_off")
    helpers.fire(world, "dossier", d, "appraiser", "start_appraisal")
    d = db.session.get(Dossier, d.id)
    checked = dossiers.registered_nominees(d)
    by_name = {n.name: checked.get(n.id) for n in d.nominees}
    assert by_name == {"Nguyễn  văn An": True, "Lê Thị Bích": False, "Hà Văn Cường": None}
    _, checks = dossiers.checklist(users["appraiser"], d.id)
    check = {c.code: c for c in checks}["registration"]
    assert not check.ok and check.warning is (not block)
    assert "Lê Thị Bích" in check.detail and "Nguyễn" not in check.detail
    assert "plan" not in {c.code for c in checks}  # a year has no plans
    for n in d.nominees:
        dossiers.set_verdict(users["appraiser"], d.id, n.id, "accepted")
    db.session.refresh(d)
    actions = {a.trigger: a for a in workflow.actions("dossier", d, users["appraiser"])}
    assert actions["complete_appraisal"].allowed is (not block)
    if block:
        assert "Lê Thị Bích" in " ".join(actions["complete_appraisal"].reasons)
        bich = next(n for n in d.nominees if n.name == "Lê Thị Bích")
        dossiers.set_verdict(users["appraiser"], d.id, bich.id, "declined",
                             reason="Chưa đăng ký danh hiệu")
        db.session.refresh(d)
        actions = {a.trigger: a for a in workflow.actions("dossier", d, users["appraiser"])}
        assert actions["complete_appraisal"].allowed
