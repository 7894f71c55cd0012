"""The number of SQL statements does not grow with the data.

Every list endpoint, the progress table, the inbox and each step are measured twice: in
a campaign of 2 units and in one of 2 + EXTRA units (each with its own staff and head,
so a launch tells several times as many people). The counts must be equal.
"""
import re
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from app.extensions import db
from app.models import AwardRecord, Dossier, Plan, Unit, User
from app.services import decisions, dossiers, workflow
from tests import helpers
from tests.conftest import PASSWORD_HASH

EXTRA = 8


@contextmanager
def counting():
    seen = []

    def count(conn, cursor, statement, *_):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _fire(world, kind, item, who, trigger, comment=None):
    """One step, counted alone (the test's own refresh of the item is not)."""
    db.session.refresh(item)
    with counting() as seen:
        workflow.perform(kind, item.id, world.users[who], trigger, version=item.version,
                         comment=comment)
    return len(seen)


def _province(world, extra, tag):
    """``extra`` more units, each with a staff member and a head; their codes."""
    codes = []
    for i in range(extra):
        unit = Unit(code=f"U{tag}{i}", name=f"Đơn vị {tag} số {i}", kind="department",
                    email=f"u{tag}{i}@tdkt.test")
        db.session.add(unit)
        for role in ("unit_staff", "unit_head"):
            user = User(username=f"{role}.{tag}{i}", full_name=f"Người {tag}{i}", unit=unit,
                        password_hash=PASSWORD_HASH, email=f"{role}.{tag}{i}@tdkt.test")
            user.set_roles([role])
            db.session.add(user)
        codes.append(unit.code)
    db.session.commit()
    return codes


def _campaigns(world):
    """A small and a larger campaign, launched, with their launch's statement counts."""
    helpers.make_campaign(world)  # the year's first launch opens its register: not measured
    made, launches = [], []
    for extra, tag in ((0, "a"), (EXTRA, "b")):
        codes = _province(world, extra, tag)
        campaign = helpers.make_campaign(world, launch=False,
                                         participants=["SYT", "PDK", *codes])
        launches.append(_fire(world, "campaign", campaign, "board_head", "launch"))
        made.append(campaign)
    return made, launches


def test_launch_and_every_step_of_a_plan_and_a_dossier(world):
    """Measured in the steady state: a first campaign opens the year's registers."""
    (small, large), launches = _campaigns(world)
    assert launches[0] == launches[1], launches
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Plan)) == 2 + 2 + 2 + EXTRA
    warm = helpers.make_campaign(world)
    per_step = []
    for campaign in (warm, small, large):
        counts = {}
        plan = helpers.complete_plan(world, campaign)
        for who, trigger, comment in (("staff_a", "submit", None), ("head_a", "sign_off", None),
                                      ("appraiser", "start_appraisal", None),
                                      ("appraiser", "return_to_unit", "Bổ sung số liệu"),
                                      ("staff_a", "submit", None), ("head_a", "sign_off", None),
                                      ("appraiser", "start_appraisal", None),
                                      ("appraiser", "forward", None),
                                      ("chairman", "approve", None)):
            counts[f"plan.{trigger}"] = _fire(world, "plan", plan, who, trigger, comment)
        dossier = helpers.complete_dossier(world, campaign)
        for who, trigger in (("staff_a", "submit"), ("head_a", "sign_off"),
                             ("appraiser", "start_appraisal")):
            counts[f"dossier.{trigger}"] = _fire(world, "dossier", dossier, who, trigger)
        for n in dossier.nominees:
            dossiers.set_verdict(world.users["appraiser"], dossier.id, n.id, "accepted")
        counts["dossier.complete_appraisal"] = _fire(world, "dossier", dossier, "appraiser",
                                                     "complete_appraisal")
        decision = decisions.create_decision(world.users["appraiser"],
                                             {"campaign_id": campaign.id, "award_form": "BKCT"})
        decisions.add_nominees(world.users["appraiser"], decision.id,
                               [n.id for n in dossier.nominees])
        for who, trigger in (("appraiser", "submit"), ("board_head", "sign_proposal"),
                             ("chairman", "approve"), ("clerk", "issue")):
            counts[f"decision.{trigger}"] = _fire(world, "decision", decision, who, trigger)
        per_step.append(counts)
    assert per_step[1] == per_step[2], per_step[1:]
    # a step that makes no document stays small
    for step in ("plan.submit", "plan.start_appraisal", "plan.forward", "dossier.start_appraisal"):
        assert per_step[1][step] <= 12, (step, per_step[1][step])


def test_a_plan_step_through_the_api(world, api):
    """submit and head_return as the API serves them (token, guards, audit, outbox, the
    response with the next actions): at most 12 statements, whatever the campaign's size."""
    per_size = []
    for extra, tag in ((0, "w"), (0, "a"), (EXTRA, "b")):  # the first warms what is cached
        campaign = helpers.make_campaign(world, participants=["SYT", "PDK",
                                                              *_province(world, extra, tag)])
        plan = helpers.complete_plan(world, campaign)
        version, counts = plan.version, {}
        for who, trigger in (("staff_a", "submit"), ("head_a", "head_return")):
            db.session.expire_all()  # as a request's fresh session holds nothing
            with counting() as seen:
                r = api(who).post(f"/api/v1/plans/{plan.id}/transitions",
                                  json={"trigger": trigger, "version": version,
                                        "comment": "Bổ sung số liệu"})
                assert r.status_code == 200, r.get_json()
            version, counts[trigger] = r.get_json()["version"], len(seen)
        per_size.append(counts)
    assert per_size[1] == per_size[2], per_size
    assert all(n <= 12 for n in per_size[2].values()), per_size[2]


def _submitted_campaign(world, extra, tag):
    """A launched campaign of 2 + ``extra`` units whose plans and dossiers all wait for
    the Board."""
    codes = _province(world, extra, tag)
    campaign = helpers.make_campaign(world, participants=["SYT", "PDK", *codes])
    for model in (Plan, Dossier):
        db.session.execute(sa.update(model).where(model.campaign_id == campaign.id)
                           .values(state="submitted"))
    db.session.commit()
    return campaign


LISTS = [
    ("board_head", "/api/v1/campaigns?per_page=50"),
    ("appraiser", "/api/v1/plans?per_page=50"),
    ("appraiser", "/api/v1/dossiers?per_page=50"),
    ("appraiser", "/api/v1/decisions?per_page=50"),
    ("appraiser", "/api/v1/inbox?per_page=50"),
    ("staff_a", "/api/v1/notifications?per_page=50"),
    ("appraiser", "/api/v1/outbox?status=sent&per_page=50"),
    ("admin", "/api/v1/units"),
    ("appraiser", "/api/v1/awards?q=an&per_page=50"),
    ("staff_a", "/api/v1/awards?per_page=50"),
]


@pytest.mark.parametrize("who,url", LISTS)
def test_list_endpoints(world, api, who, url):
    counts = []
    for extra, tag in ((0, "a"), (EXTRA, "b")):
        _submitted_campaign(world, extra, tag)
        api(who).get(url)  # the client's first request loads its token's user: not measured
        with counting() as seen:
            r = api(who).get(url)
            assert r.status_code == 200, r.get_json()
        counts.append(len(seen))
        if who == "appraiser" and url.startswith("/api/v1/plans"):
            assert r.get_json()["total"] == (2 if tag == "a" else 4 + EXTRA)
    assert counts[0] == counts[1], counts


def test_the_progress_of_a_campaign(world, api):
    counts, bodies = [], []
    for extra, tag in ((0, "a"), (EXTRA, "b")):
        codes = _province(world, extra, tag)
        campaign = helpers.make_campaign(world, participants=["SYT", "PDK", *codes])
        helpers.fire(world, "plan", helpers.complete_plan(world, campaign), "staff_a", "submit")
        url = f"/api/v1/campaigns/{campaign.id}/progress?per_page=5"
        api("appraiser").get(url)  # the first request loads the token's user: not measured
        with counting() as seen:
            r = api("appraiser").get(url)
        counts.append(len(seen))
        bodies.append(r.get_json())
    assert counts[0] == counts[1], counts
    small, large = bodies
    assert (small["total"], len(small["items"])) == (2, 2)
    assert (large["total"], len(large["items"])) == (2 + EXTRA, 5)
    assert large["counts"] == {"plan": {"draft": 1 + EXTRA, "awaiting_head": 1},
                               "dossier": {"draft": 2 + EXTRA}}
    r = api("appraiser").get(f"/api/v1/campaigns/{campaign.id}/progress?state=awaiting_head")
    assert [(i["unit_code"], i["plan_state"]) for i in r.get_json()["items"]] == [
        ("SYT", "awaiting_head")]
    # a unit sees every participant, but only its own plan and dossier
    mine = api("staff_b").get(f"/api/v1/campaigns/{campaign.id}/progress?per_page=50").get_json()
    assert mine["total"] == 2 + EXTRA
    assert {i["unit_code"] for i in mine["items"] if i["plan_id"]} == {"PDK"}
    assert mine["counts"] == {"plan": {"draft": 1}, "dossier": {"draft": 1}}


PAGES = [("appraiser", "/"), ("board_head", "/campaigns"), ("appraiser", "/campaigns/{id}"),
         ("staff_a", "/notifications"), ("appraiser", "/outbox?status=sent"),
         ("chairman", "/khen-thuong/?q=nguyen")]


@pytest.mark.parametrize("who,url", PAGES)
def test_list_pages(world, client, who, url):
    from tests.web.test_views import login

    login(client, who)
    counts = []
    for extra, tag in ((0, "a"), (EXTRA, "b")):
        campaign = _submitted_campaign(world, extra, tag)
        path = url.format(id=campaign.id)
        client.get(path)  # the first request loads the signed-in user: not measured
        with counting() as seen:
            assert client.get(path).status_code == 200
        counts.append(len(seen))
    assert counts[0] == counts[1], counts


def test_the_decision_list_page(world, client):
    """Issue 11: the Quyết định list reads a page of decisions and their campaigns' titles
    in a fixed number of statements, however many there are."""
    from tests.web.test_views import login

    login(client, "appraiser")
    counts = []
    for extra in (0, EXTRA):
        for _ in range(1 + extra):
            campaign = helpers.make_campaign(world)
            decisions.create_decision(world.users["appraiser"],
                                      {"campaign_id": campaign.id, "award_form": "BKCT"})
        client.get("/decisions")  # the first request loads the signed-in user: not measured
        with counting() as seen:
            r = client.get("/decisions")
            assert r.status_code == 200
        counts.append(len(seen))
    assert counts[0] == counts[1], counts
    assert f"Đang dự thảo ({2 + EXTRA})" in r.get_data(as_text=True)


def test_the_board_inbox_pages_its_whole_queue_in_order_in_one_statement(world, api):
    """Issue 22 #16: the appraiser's API inbox reads a page in one statement, with its
    total, whatever the length of the queue (on PostgreSQL the first items of each
    campaign and state from an index, not the whole queue sorted); and walking its pages
    gives every waiting item once, soonest deadline first, then the longest waiting."""
    counts = []
    for extra, tag in ((0, "a"), (EXTRA, "b")):
        campaign = _submitted_campaign(world, extra, tag)
        if tag == "b":  # the larger campaign's deadlines come first: pages mix campaigns
            campaign.plan_deadline = campaign.plan_deadline.replace(day=1)
            campaign.dossier_deadline = campaign.plan_deadline
            db.session.commit()
        api("appraiser").get("/api/v1/inbox?per_page=3")
        with counting() as seen:
            r = api("appraiser").get("/api/v1/inbox?per_page=3")
            assert r.status_code == 200, r.get_json()
        counts.append(len(seen))
    assert counts[0] == counts[1] <= 2, counts  # the bearer token with its user; the page
    total = r.get_json()["total"]
    waiting = {(kind, i) for kind, model in (("plan", Plan), ("dossier", Dossier))
               for i in db.session.scalars(sa.select(model.id).where(
                   model.state.in_(("submitted", "in_appraisal"))))}
    assert total == len(waiting) == 2 * (4 + EXTRA)
    walked = []
    for page in range(1, total // 3 + 2):
        walked += api("appraiser").get(f"/api/v1/inbox?per_page=3&page={page}").get_json()["items"]
    assert len(walked) == total and {(i["kind"], i["id"]) for i in walked} == waiting
    keys = [(i["deadline"] is None, i["deadline"] or "", i["waiting_since"], i["kind"], i["id"])
            for i in walked]
    assert keys == sorted(keys)
    assert walked[0]["campaign_id"] == campaign.id


def test_the_inbox_of_an_appraiser_with_dossiers_to_compose(world, client):
    """The home page of the Board appraiser: the "chờ lập dự thảo quyết định" panel is one
    query over the tally, whatever the number of campaigns, dossiers and nominees; the
    page reads no nominee (at ten times a province, counting them took 250 ms a page)."""
    from tests.web.test_views import login

    login(client, "appraiser")
    counts = []
    for extra in (0, 3):
        for _ in range(1 + extra):
            campaign = helpers.make_campaign(world)
            helpers.appraised_dossier(world, campaign)
            if extra:  # more dossiers (and nominees) in each campaign, too
                helpers.appraised_dossier(world, campaign, unit="PDK", staff="staff_b",
                                          head="head_b")
        client.get("/")
        with counting() as seen:
            r = client.get("/")
            assert r.status_code == 200
        counts.append(len(seen))
        assert not [s for s in seen if re.search(r"\b(FROM|JOIN) nominees\b", s)], seen
    assert counts[0] == counts[1], counts
    page = r.get_data(as_text=True)
    assert page.count("Lập dự thảo quyết định</a>") == 5
    assert page.count("3 tập thể, cá nhân từ 1 hồ sơ") == 1
    assert page.count("6 tập thể, cá nhân từ 2 hồ sơ") == 4


def _nominees(count, unit="SYT"):
    return [{"kind": "individual", "name": f"Nguyễn Văn Số {count}-{i}", "title": "Ông",
             "organisation": unit, "award_form": "BKCT", "votes_for": 9}
            for i in range(count)]


def test_issuing_writes_the_award_history_in_statements_that_do_not_grow(world):
    """Issue 13: the awardees become award records in one INSERT … SELECT: issuing a
    decision of 3 or of 3 + EXTRA awardees (one dossier each) costs the same."""
    from tests.award_helpers import issue

    warm = helpers.make_campaign(world)  # the year's first decision opens its register
    issue(world, warm, [helpers.appraised_dossier(world, warm)])
    counts, written = [], []
    for size in (3, 3 + EXTRA):
        campaign = helpers.make_campaign(world, award_forms=[{"code": "BKCT"}])
        d = helpers.complete_dossier(world, campaign, nominees=_nominees(size))
        helpers.fire(world, "dossier", d, "staff_a", "submit")
        helpers.fire(world, "dossier", d, "head_a", "sign_off")
        helpers.fire(world, "dossier", d, "appraiser", "start_appraisal")
        for n in d.nominees:
            dossiers.set_verdict(world.users["appraiser"], d.id, n.id, "accepted")
        helpers.fire(world, "dossier", d, "appraiser", "complete_appraisal")
        decision = decisions.create_decision(world.users["appraiser"],
                                             {"campaign_id": campaign.id, "award_form": "BKCT"})
        decisions.add_nominees(world.users["appraiser"], decision.id,
                               [n.id for n in d.nominees])
        for who, trigger in (("appraiser", "submit"), ("board_head", "sign_proposal"),
                             ("chairman", "approve")):
            helpers.fire(world, "decision", decision, who, trigger)
        counts.append(_fire(world, "decision", decision, "clerk", "issue"))
        written.append(db.session.scalar(
            sa.select(sa.func.count(AwardRecord.id))
            .where(AwardRecord.decision_id == decision.id)))
    assert written == [3, 3 + EXTRA]
    assert counts[0] == counts[1], counts


def test_the_appraisal_page_reads_every_nominees_history_at_once(world, client):
    """Issue 13: the dossier page shows each nominee's earlier awards and flags in a
    fixed number of statements, whatever the number of nominees and of their awards."""
    from tests.award_helpers import imported
    from tests.web.test_views import login

    login(client, "appraiser")
    counts = []
    for size in (2, 2 + EXTRA):
        campaign = helpers.make_campaign(world, award_forms=[{"code": "BKCT"}])
        d = helpers.complete_dossier(world, campaign, nominees=_nominees(size))
        for n in d.nominees:
            for year in (2019, 2022):
                imported(n.name, world.units["SYT"], year, organisation="SYT")
        client.get(f"/dossiers/{d.id}")
        with counting() as seen:
            r = client.get(f"/dossiers/{d.id}")
            assert r.status_code == 200
        counts.append(len(seen))
        assert r.get_data(as_text=True).count("Quyết định số 12/QĐ-UBND") == 2 * size
    assert counts[0] == counts[1], counts
