"""What people see of their notifications through the API: the in-app list with the
unread count, marking read (one's own only), each item's delivery record, the Board's
distribution lists, and a decision's Nơi nhận: printed and mailed from the same entries."""
import sqlalchemy as sa

from app.extensions import db
from app.models import Decision, User
from tests import helpers
from tests.notifications.conftest import deliver_all
from tests.notifications.support import (
    addr,
    decision_from,
    printed_recipients,
    rows,
    stored,
)

PLAN_TITLE = "Kế hoạch hưởng ứng của Sở Y tế"


def mine(api, who, query=""):
    r = api(who).get(f"/api/v1/notifications{query}")
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_the_in_app_list_unread_count_and_marking_read(world, api, smtp_server):
    campaign = helpers.make_campaign(world)
    plan = helpers.complete_plan(world, campaign)
    helpers.fire(world, "plan", plan, "staff_a", "submit")

    page = mine(api, "head_a")
    assert (page["total"], page["unread"]) == (2, 2)
    newest = page["items"][0]  # newest first
    assert (newest["item_type"], newest["item_id"], newest["template"]) == (
        "plan", plan.id, "plan.submit")
    assert newest["subject"] == f"Trình thủ trưởng: {PLAN_TITLE}"
    assert newest["read_at"] is None and newest["status"] == "pending"
    assert page["items"][1]["subject"] == f"Phát động: {campaign.title}"
    assert mine(api, "staff_b")["unread"] == 1
    assert mine(api, "appraiser")["total"] == 0
    assert mine(api, "staff_a")["total"] == 1  # the launch; never their own submit

    # someone else's notifications cannot be marked read
    head_ids = [i["id"] for i in page["items"]]
    r = api("staff_b").post("/api/v1/notifications/read", json={"ids": head_ids})
    assert r.status_code == 200 and r.get_json()["unread"] == 1
    assert mine(api, "head_a")["unread"] == 2

    r = api("head_a").post("/api/v1/notifications/read", json={"ids": [newest["id"]]})
    assert r.status_code == 200 and r.get_json()["unread"] == 1
    page = mine(api, "head_a")
    assert page["items"][0]["read_at"] is not None and page["items"][1]["read_at"] is None
    assert [i["id"] for i in mine(api, "head_a", "?unread=true")["items"]] == [head_ids[1]]
    r = api("head_a").post("/api/v1/notifications/read", json={})
    assert r.get_json()["unread"] == 0
    assert mine(api, "head_a")["unread"] == 0
    assert mine(api, "staff_b")["unread"] == 1

    # delivery does not touch read marks, and a person without an address is told in-app
    deliver_all()
    db.session.get(User, world.users["staff_a"].id).email = None
    db.session.commit()
    helpers.fire(world, "plan", plan, "head_a", "head_return", "Bổ sung số liệu mục 2")
    (row,) = rows(template="plan.head_return")
    assert (row.status, row.recipient_email) == ("in_app", None)
    assert deliver_all()["sent"] == 0
    page = mine(api, "staff_a")
    assert page["unread"] == 2
    assert (page["items"][0]["status"], page["items"][0]["comment"]) == (
        "in_app", "Bổ sung số liệu mục 2")
    assert {m.to for m in smtp_server.take()} == {
        addr("staff_a"), addr("head_a"), addr("staff_b"), addr("head_b")}  # before the change


def test_each_item_shows_who_was_told(world, api, smtp_server):
    campaign = helpers.make_campaign(world)
    plan = helpers.complete_plan(world, campaign)
    helpers.fire(world, "plan", plan, "staff_a", "submit")
    helpers.fire(world, "plan", plan, "head_a", "sign_off")
    deliver_all()
    url = f"/api/v1/plans/{plan.id}/notifications"
    for who in ("staff_a", "head_a", "appraiser", "board_head", "chairman"):
        r = api(who).get(url)
        assert r.status_code == 200, (who, r.get_json())
        fixes_mail = who in ("appraiser", "board_head")  # addresses only for the Board
        assert [(i["template"], i["recipient_name"], i["recipient_email"], i["status"],
                 i["attempts"]) for i in r.get_json()] == [
            ("plan.submit", world.users["head_a"].full_name,
             addr("head_a") if fixes_mail else None, "sent", 1),
            ("plan.sign_off", world.users["appraiser"].full_name,
             addr("appraiser") if fixes_mail else None, "sent", 1)]
        assert all(i["last_error"] is None for i in r.get_json())
    for who in ("staff_b", "head_b"):  # another unit's plan: as if it did not exist
        assert api(who).get(url).status_code == 404
    assert api("staff_a").get("/api/v1/plans/999999/notifications").status_code == 404
    r = api("staff_a").get(f"/api/v1/campaigns/{campaign.id}/notifications")
    assert r.status_code == 200 and len(r.get_json()) == 4


def test_distribution_lists_and_a_decisions_recipients(world, api, smtp_server):
    entries = [
        {"label": "Như Điều 3"},
        {"label": "CT, các PCT UBND tỉnh", "email": "lanhdao@tdkt.test"},
        {"label": "Kho bạc Nhà nước tỉnh", "email": "khobac@tdkt.test"},
        {"label": "Lưu: VT, SNV"},
    ]
    body = {"name": "Nơi nhận quyết định", "entries": entries}
    for who in ("staff_a", "head_a", "clerk"):
        assert api(who).put("/api/v1/distribution-lists/QD", json=body).status_code == 403
    r = api("board_head").put("/api/v1/distribution-lists/QD", json=body)
    assert r.status_code == 200, r.get_json()
    assert [(e["label"], e.get("email")) for e in r.get_json()["entries"]] == [
        (e["label"], e.get("email")) for e in entries]
    listed = {lst["code"]: lst for lst in api("staff_a").get(
        "/api/v1/distribution-lists").get_json()}
    assert [e["label"] for e in listed["QD"]["entries"]] == [e["label"] for e in entries]

    campaign = helpers.make_campaign(world)
    ours = helpers.appraised_dossier(world, campaign)
    theirs = helpers.appraised_dossier(world, campaign, "PDK", "staff_b", "head_b")
    decision = decision_from(world, campaign, [ours, theirs], until="approved")
    assert [(r.label, r.email) for r in decision.recipients] == [
        (e["label"], e.get("email")) for e in entries]  # copied from the list when drafted
    deliver_all()
    smtp_server.take()

    # before issue the Board changes this decision's own Nơi nhận
    changed = [entries[0], {"label": "Sở Tài chính", "email": "stc@tdkt.test"},
               {"label": "Kho bạc Nhà nước tỉnh", "email": "KhoBac@tdkt.test"},
               {"label": "Báo Lạng Sơn"}, entries[3]]
    url = f"/api/v1/decisions/{decision.id}/recipients"
    assert api("staff_a").put(url, json={"entries": changed}).status_code == 404  # unseen
    assert api("clerk").put(url, json={"entries": changed}).status_code == 403
    version = api("appraiser").get(f"/api/v1/decisions/{decision.id}").get_json()["version"]
    r = api("appraiser").put(url, json={"entries": changed, "version": version - 1})
    assert r.status_code == 409
    r = api("appraiser").put(url, json={"entries": changed, "version": version})
    assert r.status_code == 200, r.get_json()
    assert [e["label"] for e in r.get_json()["recipients"]] == [e["label"] for e in changed]

    r = api("clerk").fire("decision", decision.id, "issue")
    assert r.status_code == 200, r.get_json()
    assert deliver_all()["failed"] == 0
    got = smtp_server.take()
    assert sorted(m.to for m in got) == sorted([
        addr("staff_a"), addr("head_a"), "syt@tdkt.test",
        addr("staff_b"), addr("head_b"), "pdk@tdkt.test",
        "stc@tdkt.test", "KhoBac@tdkt.test", addr("appraiser")])
    names = {m.to: m.msg["To"].addresses[0].display_name for m in got}
    assert (names["stc@tdkt.test"], names["KhoBac@tdkt.test"], names["pdk@tdkt.test"]) == (
        "Sở Tài chính", "Kho bạc Nhà nước tỉnh", "Ủy ban nhân dân phường Đông Kinh")
    told = {r.recipient_name for r in rows(template="decision.issue")}
    assert not told & {"Như Điều 3", "Báo Lạng Sơn", "Lưu: VT, SNV", "CT, các PCT UBND tỉnh"}

    # what is printed under Nơi nhận and what was mailed come from the same entries
    doc, data = stored("decision", decision.id, "decision")
    assert printed_recipients(data) == [e["label"] for e in changed]
    mailed = {m.to for m in got}
    assert {e["email"] for e in changed if e.get("email")} <= mailed
    for m in got:
        assert m.attachments() == [(doc.filename, data)]

    # once issued, the Nơi nhận is part of the signed paper
    r = api("appraiser").put(url, json={"entries": entries})
    assert r.status_code == 409
    db.session.expire_all()
    assert [r.label for r in db.session.get(Decision, decision.id).recipients] == [
        e["label"] for e in changed]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Decision)) == 1


def test_mail_errors_and_addresses_reach_only_the_board(world, api):
    campaign = helpers.make_campaign(world)
    plan = helpers.complete_plan(world, campaign)
    helpers.fire(world, "plan", plan, "staff_a", "submit")
    (row,) = rows(template="plan.submit")
    row.status, row.last_error = "failed", "[Errno 111] Connection refused"
    db.session.commit()
    url = f"/api/v1/plans/{plan.id}/notifications"
    for who, sees in (("staff_a", False), ("head_a", False), ("chairman", False),
                      ("appraiser", True), ("board_head", True)):
        (told,) = api(who).get(url).get_json()
        assert told["status"] == "failed", who
        assert (told["recipient_email"], told["last_error"]) == (
            (addr("head_a"), "[Errno 111] Connection refused") if sees else (None, None)), who
