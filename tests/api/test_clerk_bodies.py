"""Each body's Văn thư acts only for her own body (issue 21 §3, NĐ 30): Văn phòng UBND's
Văn thư issues the Chairman's decision; Sở Nội vụ's Văn thư and a unit's Văn thư are refused
«Ban hành» and the decision's edits (403 with the reason in Vietnamese, nothing changed, no
button on the page), see only what their own body issues or seals, and are not told of a
decision waiting for the Office. On the paper path: nothing is printed or signed here."""
import io

import pytest
import sqlalchemy as sa

from app.clock import today
from app.extensions import db
from app.models import Decision, OutboxMessage, User, WorkflowEvent
from app.services import registers
from app.services.errors import Forbidden
from tests.docgen.support import scenario
from tests.helpers import PDF
from tests.scale.test_statement_counts import counting
from tests.web.test_views import login

OFFICE = "Văn phòng Ủy ban nhân dân tỉnh"


def add_clerk(world, username, unit_code):
    """The body's own Văn thư (role office_clerk of that unit)."""
    user = User(username=username, full_name=f"Văn thư {unit_code}", unit=world.units[unit_code],
                password_hash=world.users["clerk"].password_hash, email=f"{username}@tdkt.test")
    user.set_roles(["office_clerk"])
    db.session.add(user)
    db.session.commit()
    world.users[username] = user
    return user


def _state(decision_id):
    db.session.expire_all()
    decision = db.session.get(Decision, decision_id)
    events = db.session.scalar(sa.select(sa.func.count(WorkflowEvent.id)).where(
        WorkflowEvent.item_type == "decision", WorkflowEvent.item_id == decision_id))
    return decision.state, decision.version, decision.number, events


def _listed(client, url="/api/v1/decisions"):
    r = client.get(url)
    assert r.status_code == 200, r.get_json()
    return {row["id"] for row in r.get_json()["items"]}


@pytest.fixture
def approved(world, api):
    add_clerk(world, "vanthu_snv", "SNV")
    add_clerk(world, "vanthu_syt", "SYT")
    for who in ("clerk", "vanthu_snv", "vanthu_syt"):
        api(who)  # tokens are rows too: made before anything is compared
    return scenario(world, until="approved")


def test_only_the_issuing_bodys_clerk_issues_and_each_clerk_sees_her_bodys(
        world, api, client, approved):
    decision_id = approved.decision.id
    office, snv, syt = api("clerk"), api("vanthu_snv"), api("vanthu_syt")
    own = {n.name for n in approved.syt.nominees}
    others = {n.name for n in approved.pdk.nominees}

    # told at approval: only the Văn thư of the body that issues it
    told = set(db.session.scalars(sa.select(OutboxMessage.recipient_user_id).where(
        OutboxMessage.item_type == "decision", OutboxMessage.item_id == decision_id)))
    clerks = {world.users[u].id for u in ("clerk", "vanthu_snv", "vanthu_syt")}
    assert told & clerks == {world.users["clerk"].id}

    # what each one sees: the Office every decision; Sở Nội vụ the one whose tờ trình its
    # body signed; the unit nothing before issue
    assert decision_id in _listed(office) and decision_id in _listed(snv)
    assert decision_id not in _listed(syt)
    assert syt.get(f"/api/v1/decisions/{decision_id}").status_code == 404
    assert snv.get(f"/api/v1/decisions/{decision_id}").status_code == 200
    inbox = {(r["kind"], r["id"]) for r in office.get("/api/v1/inbox").get_json()["items"]}
    assert ("decision", decision_id) in inbox
    for other in (snv, syt):
        items = other.get("/api/v1/inbox").get_json()["items"]
        assert ("decision", decision_id) not in {(r["kind"], r["id"]) for r in items}
    # a plan is seen by its own unit's Văn thư, not by another body's
    plan_id = approved.plan.id
    assert syt.get(f"/api/v1/plans/{plan_id}").status_code == 200
    assert snv.get(f"/api/v1/plans/{plan_id}").status_code == 404

    # Sở Nội vụ's Văn thư is refused «Ban hành» and the scan: 403, a reason, nothing changed
    before = _state(decision_id)
    r = snv.fire("decision", decision_id, "issue")
    assert r.status_code == 403, r.get_json()
    assert r.get_json()["error"]["message"] == (
        f"Chỉ Văn thư của {OFFICE} mới được thực hiện «Ban hành».")
    r = snv.post(f"/api/v1/decisions/{decision_id}/signed-scan",
                 data={"file": (io.BytesIO(PDF), "scan.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 403 and r.get_json()["error"]["message"] == (
        f"Chỉ Văn thư của {OFFICE} mới được đính kèm bản chụp quyết định đã ký.")
    assert _state(decision_id) == before
    actions = snv.get(f"/api/v1/decisions/{decision_id}/actions").get_json()["actions"]
    assert "issue" not in {a["trigger"] for a in actions}
    login(client, "vanthu_snv")  # no button for her
    page = client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    assert 'data-trigger="issue"' not in page and "/signed-scan" not in page
    login(client, "clerk")
    page = client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    assert 'data-trigger="issue"' in page and "/signed-scan" in page

    # a Sở's Văn thư keeps her own body's registers, never the Ủy ban's
    with pytest.raises(Forbidden):
        registers.set_last(world.users["vanthu_snv"], "UBND", "QĐ", today().year, 900)
    registers.set_last(world.users["vanthu_snv"], "SNV", "TTr", today().year, 7)

    # the Office's Văn thư issues it
    r = office.fire("decision", decision_id, "issue")
    assert r.status_code == 200 and r.get_json()["state"] == "issued", r.get_json()

    # issued: the unit's Văn thư now sees it (her unit's people are on it) and only her
    # unit's nominees; she is refused the Office's edits of it
    assert decision_id in _listed(syt)
    shown = syt.get(f"/api/v1/decisions/{decision_id}").get_json()
    names = {n["name"] for n in shown["nominees"]}
    assert names and names <= own and not names & others, names
    assert {n["name"] for n in office.get(f"/api/v1/decisions/{decision_id}").get_json()[
        "nominees"]} & others
    before = _state(decision_id)
    for who in (syt, snv):
        r = who.post(f"/api/v1/decisions/{decision_id}/paper-prints", json={"copies": 2})
        assert r.status_code == 403, r.get_json()
        assert r.get_json()["error"]["message"] == (
            f"Chỉ Văn thư của {OFFICE} mới được in bản giấy quyết định đã ban hành.")
        r = who.post(f"/api/v1/decisions/{decision_id}/signed-scan/correction",
                     data={"file": (io.BytesIO(PDF), "scan.pdf"), "reason": "Bản rõ hơn"},
                     content_type="multipart/form-data")
        assert r.status_code == 403, r.get_json()
        assert "Văn thư của " + OFFICE in r.get_json()["error"]["message"]
    assert _state(decision_id) == before
    login(client, "vanthu_syt")
    page = client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    assert "/paper-print" not in page and "/signed-scan/correction" not in page

    # the scope is a condition inside each list's one query: a Văn thư's decision list and
    # inbox take as many statements with two more decisions waiting for the Office
    def counted(who):
        client = api(who)
        db.session.expire_all()  # each count reads what a fresh request reads
        with counting() as seen:
            listed = _listed(client)
            assert client.get("/api/v1/inbox").status_code == 200
        return len(seen), len(listed)

    before = {who: counted(who) for who in ("clerk", "vanthu_snv", "vanthu_syt")}
    issued = db.session.get(Decision, decision_id)
    db.session.add_all([Decision(
        campaign_id=issued.campaign_id, award_form_id=issued.award_form_id, title=issued.title,
        created_by_id=issued.created_by_id, proposal_signed_by_id=issued.proposal_signed_by_id,
        state="approved") for _ in range(2)])
    db.session.commit()
    after = {who: counted(who) for who in before}
    assert {w: c for w, (c, _) in after.items()} == {w: c for w, (c, _) in before.items()}
    assert [after[w][1] - before[w][1] for w in before] == [2, 2, 0]
