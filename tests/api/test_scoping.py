"""Unit scoping through the API: a unit's people see only their own unit's items.

Another unit's plan or dossier does not exist for them: every item route answers the same
404 it gives for an id that was never used, and nothing changes. The lists show each
person exactly what they may see.
"""
import io

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Decision, Dossier, Nominee, Plan
from app.services import decisions
from tests import helpers
from tests.api.test_bad_input import draft_decision, error_of, item_in, nothing_changes
from tests.helpers import PDF

API = "/api/v1"
NO_SUCH_ID = 999999
UNIT_PEOPLE = ["staff_a", "head_a", "staff_b", "head_b"]
OUTSIDERS = {"staff_b": "staff_a", "head_b": "head_a"}  # PDK's people -> SYT's counterparts


def _json(body):
    return lambda i: {"json": body(i)}


def _multipart(i):
    return {"data": {"kind": "to_trinh", "file": (io.BytesIO(PDF), "Tờ trình.pdf")},
            "content_type": "multipart/form-data"}


# Every route that names one plan or dossier. {p}/{d}: SYT's plan and dossier,
# {pv}/{dv}: their versions, {n}: a nominee and {a}: an attachment of the dossier.
ITEM_ROUTES = [
    ("get", "/plans/{p}", None),
    ("patch", "/plans/{p}", _json(lambda i: {"version": i["pv"], "summary": "Sửa"})),
    ("get", "/plans/{p}/actions", None),
    ("post", "/plans/{p}/transitions", _json(lambda i: {"trigger": "submit", "version": i["pv"]})),
    ("get", "/plans/{p}/history", None),
    ("get", "/dossiers/{d}", None),
    ("patch", "/dossiers/{d}", _json(lambda i: {"version": i["dv"], "summary": "Sửa"})),
    ("get", "/dossiers/{d}/actions", None),
    ("post", "/dossiers/{d}/transitions",
     _json(lambda i: {"trigger": "submit", "version": i["dv"]})),
    ("get", "/dossiers/{d}/history", None),
    ("get", "/dossiers/{d}/checklist", None),
    ("get", "/dossiers/{d}/nominees", None),
    ("post", "/dossiers/{d}/nominees", _json(lambda i: {
        "kind": "individual", "name": "Hoàng Văn Nam", "award_form": "BKCT", "votes_for": 9})),
    ("patch", "/dossiers/{d}/nominees/{n}", _json(lambda i: {"name": "Tên khác"})),
    ("delete", "/dossiers/{d}/nominees/{n}", None),
    ("delete", "/dossiers/{d}/nominees/{n}?version={dv}", None),
    ("put", "/dossiers/{d}/nominees/{n}/verdict", _json(lambda i: {"verdict": "accepted"})),
    ("get", "/dossiers/{d}/attachments", None),
    ("post", "/dossiers/{d}/attachments", _multipart),
    ("get", "/dossiers/{d}/attachments/{a}", None),
    ("delete", "/dossiers/{d}/attachments/{a}", None),
]


def _route_id(route):
    method, url, _ = route
    return f"{method.upper()} {url}"


@pytest.fixture
def syt(world, campaign, api):
    """SYT's complete draft plan and dossier (with nominees and papers)."""
    plan = helpers.complete_plan(world, campaign)
    dossier = helpers.complete_dossier(world, campaign)
    for who in ("staff_a", "head_a", "staff_b", "head_b", "appraiser"):
        api(who)  # tokens are rows too: made before anything is compared
    return plan, dossier


def _ids(plan, dossier, **overrides):
    db.session.rollback()
    plan, dossier = db.session.get(Plan, plan.id), db.session.get(Dossier, dossier.id)
    ids = {"p": plan.id, "pv": plan.version, "d": dossier.id, "dv": dossier.version,
           "n": dossier.nominees[0].id, "a": dossier.attachments[0].id}
    return {**ids, **overrides}


def _call(client, route, ids):
    method, url, kwargs = route
    r = getattr(client, method)(API + url.format(**ids), **(kwargs(ids) if kwargs else {}))
    r.close()
    return r


@pytest.mark.parametrize("route", ITEM_ROUTES, ids=_route_id)
@pytest.mark.parametrize("who", sorted(OUTSIDERS))
def test_another_units_plan_or_dossier_is_404_on_every_item_route(api, syt, who, route):
    plan, dossier = syt
    outsider = api(who)
    ids = _ids(plan, dossier)
    with nothing_changes(plan, dossier):
        error = error_of(_call(outsider, route, ids), 404, "not_found")
        # the very answer an id that was never used gets: nothing tells the item exists
        never_used = _ids(plan, dossier, p=NO_SUCH_ID, d=NO_SUCH_ID)
        assert error_of(_call(outsider, route, never_used), 404) == error
    # the control: SYT's own counterpart reaches the item on the same route
    own = _call(api(OUTSIDERS[who]), route, _ids(plan, dossier))
    assert own.status_code != 404 and own.status_code < 500, own.get_data(as_text=True)[:300]


def test_an_outsiders_404_carries_none_of_the_items_data(api, syt):
    plan, dossier = syt
    ids = _ids(plan, dossier)
    secret = [dossier.nominees[0].name, "Sở Y tế", "SYT", "Báo cáo tổng kết"]
    for route in ITEM_ROUTES:
        text = _call(api("staff_b"), route, ids).get_data(as_text=True)
        assert not [s for s in secret if s in text], (route, text)


# -- decisions: a unit sees one only once issued, and only if it names the unit's people -------

DECISION_ROUTES = [
    ("get", "/decisions/{x}", None),
    ("patch", "/decisions/{x}", _json(lambda i: {"version": i["xv"], "title": "Về việc khác"})),
    ("get", "/decisions/{x}/actions", None),
    ("post", "/decisions/{x}/transitions",
     _json(lambda i: {"trigger": "submit", "version": i["xv"]})),
    ("get", "/decisions/{x}/history", None),
    ("post", "/decisions/{x}/nominees", _json(lambda i: {"nominee_ids": [i["n"]]})),
    ("delete", "/decisions/{x}/nominees/{n}", None),
    ("put", "/decisions/{x}/nominees/{n}/strike",
     _json(lambda i: {"struck": True, "reason": "Chưa đủ tiêu chuẩn"})),
]


@pytest.mark.parametrize("route", DECISION_ROUTES, ids=_route_id)
@pytest.mark.parametrize("who", UNIT_PEOPLE)
def test_a_decision_not_yet_issued_is_404_for_unit_people(api, world, campaign, who, route):
    decision = draft_decision(world, campaign)  # names SYT's nominees
    ids = {"x": decision.id, "xv": decision.version, "n": decision.nominees[0].id}
    client, appraiser = api(who), api("appraiser")
    with nothing_changes(decision):
        error = error_of(_call(client, route, ids), 404, "not_found")
        assert error_of(_call(client, route, {**ids, "x": NO_SUCH_ID}), 404) == error
    own = _call(appraiser, route, ids)
    assert own.status_code != 404 and own.status_code < 500, own.get_data(as_text=True)[:300]


def _listed(client, url):
    r = client.get(API + url)
    assert r.status_code == 200, r.get_json()
    page = r.get_json()
    assert page["total"] == len(page["items"])  # one page holds everything in these tests
    return page["items"]


def test_a_decision_shows_to_a_unit_once_issued_and_only_if_it_names_its_people(api, world,
                                                                                  campaign):
    decision = draft_decision(world, campaign)
    steps = [("appraiser", "submit"), ("board_head", "sign_proposal"), ("chairman", "approve"),
             ("clerk", "issue")]
    for who, trigger in [(None, None)] + steps:
        if trigger:
            decision = helpers.fire(world, "decision", decision, who, trigger)
        issued = decision.state == "issued"
        for person in UNIT_PEOPLE:
            sees = issued and person.endswith("_a")  # SYT's people, once issued
            client = api(person)
            listed = [d["id"] for d in _listed(client, "/decisions")]
            assert listed == ([decision.id] if sees else []), (decision.state, person)
            status = client.get(f"{API}/decisions/{decision.id}").status_code
            assert status == (200 if sees else 404), (decision.state, person)
        for person in ("appraiser", "board_head", "chairman", "clerk"):
            assert [d["id"] for d in _listed(api(person), "/decisions")] == [decision.id]
        assert _listed(api("admin"), "/decisions") == []
        assert api("admin").get(f"{API}/decisions/{decision.id}").status_code == 404


def test_a_unit_user_cannot_compose_a_decision_from_another_units_nominees(api, world, campaign):
    dossier = helpers.appraised_dossier(world, campaign)  # SYT's, nominees accepted
    nominee_ids = [n.id for n in dossier.nominees]
    draft = decisions.create_decision(world.users["appraiser"],
                                      {"campaign_id": campaign.id, "award_form": "BKCT"})
    for who in ("staff_b", "head_b", "staff_a", "head_a"):
        client = api(who)
        with nothing_changes(dossier, draft):
            before = db.session.scalar(sa.select(sa.func.count()).select_from(Decision))
            r = client.post(f"{API}/decisions",
                            json={"campaign_id": campaign.id, "award_form": "BKCT"})
            error_of(r, 403, "forbidden")
            r = client.post(f"{API}/decisions/{draft.id}/nominees",
                            json={"nominee_ids": nominee_ids})
            error_of(r, 404, "not_found")
            assert db.session.scalar(
                sa.select(sa.func.count()).select_from(Decision)) == before
        assert db.session.scalars(
            sa.select(Nominee.decision_id).where(Nominee.id.in_(nominee_ids))).all() == [
            None] * len(nominee_ids)
    # the control: the Board's appraiser composes it from the same ids
    r = api("appraiser").post(f"{API}/decisions/{draft.id}/nominees",
                              json={"nominee_ids": nominee_ids})
    assert r.status_code == 200, r.get_json()


# -- lists ---------------------------------------------------------------------------------------

@pytest.fixture
def both_units(world, campaign):
    """SYT and PDK each with a plan waiting for its head and a dossier in draft."""
    for unit, staff in (("SYT", "staff_a"), ("PDK", "staff_b")):
        plan = helpers.complete_plan(world, campaign, unit=unit, staff=staff)
        helpers.fire(world, "plan", plan, staff, "submit")
    return campaign


def _units(items):
    return sorted(item["unit"]["code"] for item in items)


@pytest.mark.parametrize("who,unit", [("staff_a", "SYT"), ("head_a", "SYT"),
                                      ("staff_b", "PDK"), ("head_b", "PDK")])
@pytest.mark.parametrize("kind", ["plans", "dossiers"])
def test_unit_people_list_only_their_own_units_items(api, world, both_units, who, unit, kind):
    client = api(who)
    other = "PDK" if unit == "SYT" else "SYT"
    assert _units(_listed(client, f"/{kind}")) == [unit]
    assert _units(_listed(client, f"/{kind}?campaign_id={both_units.id}")) == [unit]
    assert _listed(client, f"/{kind}?unit_id={world.units[other].id}") == []
    assert _units(_listed(client, f"/{kind}?unit_id={world.units[unit].id}")) == [unit]


@pytest.mark.parametrize("who", ["appraiser", "board_head", "chairman"])
@pytest.mark.parametrize("kind", ["plans", "dossiers"])
def test_the_board_and_the_chairman_see_every_units_items(api, world, both_units, who, kind):
    client = api(who)
    items = _listed(client, f"/{kind}")
    assert _units(items) == ["PDK", "SYT"]
    for item in items:
        assert client.get(f"{API}/{kind}/{item['id']}").status_code == 200


def test_admin_sees_no_plans_dossiers_or_decisions(api, world, both_units):
    item_in(world, both_units, "decision", "awaiting_chairman")
    admin = api("admin")
    for kind in ("plans", "dossiers", "decisions"):
        assert _listed(admin, f"/{kind}") == []
        assert _listed(api("chairman"), f"/{kind}") != []  # the control: there are some
    plan = helpers.unit_item(Plan, both_units, "SYT")
    dossier = helpers.unit_item(Dossier, both_units, "PDK")
    error_of(admin.get(f"{API}/plans/{plan.id}"), 404, "not_found")
    error_of(admin.get(f"{API}/dossiers/{dossier.id}"), 404, "not_found")


def test_campaigns_show_to_a_unit_once_launched_and_only_if_it_takes_part(api, world):
    draft = helpers.make_campaign(world, launch=False)
    everyone = helpers.make_campaign(world)  # SYT and PDK
    syt_only = helpers.make_campaign(world, participants=["SYT"])
    seen = {
        "staff_a": {everyone.id, syt_only.id}, "head_a": {everyone.id, syt_only.id},
        "staff_b": {everyone.id}, "head_b": {everyone.id},
        "appraiser": {draft.id, everyone.id, syt_only.id},
        "board_head": {draft.id, everyone.id, syt_only.id},
        "chairman": {draft.id, everyone.id, syt_only.id},
    }
    for who, expected in seen.items():
        client = api(who)
        assert {c["id"] for c in _listed(client, "/campaigns")} == expected, who
        for campaign in (draft, everyone, syt_only):
            status = client.get(f"{API}/campaigns/{campaign.id}").status_code
            assert status == (200 if campaign.id in expected else 404), (who, campaign.id)
    assert _listed(api("staff_b"), "/campaigns?state=draft") == []


@pytest.mark.parametrize("who,unit", [("staff_a", "SYT"), ("head_a", "SYT"),
                                      ("staff_b", "PDK"), ("head_b", "PDK")])
def test_the_inbox_holds_only_the_units_own_work(api, world, both_units, who, unit):
    helpers.make_campaign(world, launch=False)  # a draft: work for the Board, not for units
    items = _listed(api(who), "/inbox")
    assert items, "each unit person has something waiting in these tests"
    assert {i["unit_id"] for i in items} == {world.units[unit].id}
    assert {i["kind"] for i in items} <= {"plan", "dossier"}
    # the Board's head has the draft campaign waiting; nobody in a unit does
    assert "campaign" in {i["kind"] for i in _listed(api("board_head"), "/inbox")}


def test_the_inbox_total_is_the_same_on_every_page_and_past_the_end(api, world, both_units):
    for _ in range(3):
        helpers.make_campaign(world, launch=False)
    board = api("board_head")
    whole = board.get(API + "/inbox?per_page=50").get_json()
    total = whole["total"]
    assert total >= 2 and len(whole["items"]) == total
    pages = [board.get(API + f"/inbox?per_page=1&page={n}").get_json() for n in (1, 2)]
    assert [p["total"] for p in pages] == [total, total]
    assert [p["items"][0]["id"] for p in pages] == [i["id"] for i in whole["items"][:2]]
    past = board.get(API + f"/inbox?per_page=1&page={total + 1}").get_json()
    assert past["items"] == [] and past["total"] == total
