"""Registers as the Văn thư keeps them: the last-used number set by hand (page, CLI) with
an audit row; the number and date the Office gave, entered at issue, unique within the
register, gaps allowed and shown; the same at a unit head's sign-off; the signed scan."""
import hashlib
import io
import multiprocessing
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.clock import today
from app.delivery import build_message
from app.extensions import db
from app.models import (
    Decision,
    NumberRegister,
    OutboxMessage,
    RegisterChange,
    RegisterEntry,
    Unit,
    WorkflowEvent,
)
from app.services import registers
from app.services.errors import Conflict, Forbidden
from tests import helpers
from tests.concurrency.race import fire_at_once
from tests.docgen.support import (
    SYT_NOMINEES,
    appraised,
    approve,
    document,
    new_decision,
    open_docx,
    texts,
)
from tests.web.test_views import csrf_of, login


def _approved(world, campaign, count=1):
    dossier = appraised(world, campaign, "SYT", "staff_a", "head_a", SYT_NOMINEES)
    return [approve(world, new_decision(world, campaign, [n.id]))
            for n in dossier.nominees[:count]]


def _register(code, doc_type, year):
    return db.session.scalars(sa.select(NumberRegister).join(
        Unit, Unit.id == NumberRegister.issuer_unit_id).where(
        Unit.code == code, NumberRegister.doc_type == doc_type,
        NumberRegister.year == year)).one_or_none()


def _events(decision_id, trigger="issue"):
    return db.session.scalar(sa.select(sa.func.count(WorkflowEvent.id)).where(
        WorkflowEvent.item_type == "decision", WorkflowEvent.item_id == decision_id,
        WorkflowEvent.trigger == trigger))


def test_the_cli_sets_where_the_register_stands_and_the_next_decision_follows(app, world, ctx):
    campaign = helpers.make_campaign(world)
    [decision] = _approved(world, campaign)
    year = today().year
    result = app.test_cli_runner().invoke(
        args=["registers", "set", "UBND", "QĐ", str(year), "1204", "--note", "Theo sổ giấy"])
    assert result.exit_code == 0, result.output
    assert "next 1205" in result.output
    db.session.expire_all()
    change = db.session.scalars(sa.select(RegisterChange)).one()
    assert (change.old_last, change.new_last, change.note, change.user_id) == (
        0, 1204, "Theo sổ giấy", None)

    helpers.fire(world, "decision", decision, "clerk", "issue")
    db.session.refresh(decision)
    assert decision.number == 1205 and decision.number_label == "1205/QĐ-UBND"
    assert "Số: 1205/QĐ-UBND" in texts(open_docx(document("decision", decision, "decision")[0]))
    [row] = [r for r in registers.listing(None, year) if r["doc_type"] == "QĐ"]
    assert row["last_number"] == 1205 and row["gaps"] == [] and row["base_number"] == 1204
    assert [g["number"] for g in row["given"]] == [1205]

    listed = app.test_cli_runner().invoke(args=["registers", "list", "--year", str(year)])
    assert "UBND" in listed.output and "next   1206" in listed.output
    # below a number the app already gave: refused, nothing changed
    refused = app.test_cli_runner().invoke(args=["registers", "set", "UBND", "QĐ", str(year),
                                                 "1000"])
    assert refused.exit_code == 2 and "đã cấp số 1205" in refused.output
    db.session.expire_all()
    assert _register("UBND", "QĐ", year).last_number == 1205
    assert db.session.scalar(sa.select(sa.func.count(RegisterChange.id))) == 1


def test_the_office_enters_the_number_and_date_it_gave_and_a_duplicate_is_refused(world, api):
    campaign = helpers.make_campaign(world)
    first, second, third = _approved(world, campaign, 3)
    year = today().year
    on = today()
    clerk = api("clerk")
    r = clerk.post(f"/api/v1/decisions/{first.id}/transitions", json={
        "trigger": "issue", "version": first.version, "number": 57, "issued_on": on.isoformat()})
    assert r.status_code == 200, r.get_json()
    db.session.expire_all()
    first = db.session.get(Decision, first.id)
    assert (first.number, first.issued_on) == (57, on)
    entry = db.session.scalars(sa.select(RegisterEntry).where(RegisterEntry.number == 57)).one()
    assert entry.entered and entry.item_type == "decision" and entry.item_id == first.id
    assert entry.user_id == world.users["clerk"].id

    # the same number for another decision: a clear refusal, nothing changed
    before = db.session.get(Decision, second.id).version
    r = clerk.post(f"/api/v1/decisions/{second.id}/transitions", json={
        "trigger": "issue", "version": second.version, "number": 57})
    assert r.status_code == 409
    error = r.get_json()["error"]
    assert error["code"] == "number_taken"
    assert error["message"].startswith(f"Số 57 đã được cấp trong sổ QĐ năm {year}")
    db.session.expire_all()
    second = db.session.get(Decision, second.id)
    assert second.state == "approved" and second.number is None and second.version == before
    assert _events(second.id) == 0

    # the next one follows the highest; a number below it fills a gap
    helpers.fire(world, "decision", second, "clerk", "issue")
    db.session.refresh(second)
    assert second.number == 58
    r = clerk.post(f"/api/v1/decisions/{third.id}/transitions", json={
        "trigger": "issue", "version": third.version, "number": 3})
    assert r.status_code == 200, r.get_json()
    [row] = [r for r in registers.listing(None, year) if r["doc_type"] == "QĐ"]
    assert row["last_number"] == 58
    assert row["gaps"] == [1, 2, *range(4, 57)]
    assert row["gaps_label"] == "01–02, 04–56"


def test_an_issue_date_in_the_future_or_before_the_proposal_is_refused(world, api):
    campaign = helpers.make_campaign(world)
    [decision] = _approved(world, campaign)
    for on, message in ((today() + timedelta(days=1), "không được sau ngày hôm nay"),
                        (decision.proposal_date - timedelta(days=1), "không được trước ngày")):
        r = api("clerk").post(f"/api/v1/decisions/{decision.id}/transitions", json={
            "trigger": "issue", "version": decision.version, "issued_on": on.isoformat()})
        assert r.status_code == 422, r.get_json()
        assert message in r.get_json()["error"]["message"]
    r = api("clerk").post(f"/api/v1/decisions/{decision.id}/transitions", json={
        "trigger": "issue", "version": decision.version, "number": 0})
    assert r.status_code == 422
    db.session.refresh(decision)
    assert decision.state == "approved" and _register("UBND", "QĐ", today().year) is None


def test_a_unit_head_enters_the_number_its_register_gave_at_sign_off(world, api):
    campaign = helpers.make_campaign(world)
    plan = helpers.complete_plan(world, campaign)
    helpers.fire(world, "plan", plan, "staff_a", "submit")
    db.session.refresh(plan)
    r = api("head_a").post(f"/api/v1/plans/{plan.id}/transitions", json={
        "trigger": "sign_off", "version": plan.version, "number": 312})
    assert r.status_code == 200, r.get_json()
    db.session.refresh(plan)
    assert plan.number == 312 and plan.symbol.startswith("KH-")
    dossier = helpers.complete_dossier(world, campaign)
    helpers.fire(world, "dossier", dossier, "staff_a", "submit")
    helpers.fire(world, "dossier", dossier, "head_a", "sign_off")
    db.session.refresh(dossier)
    assert dossier.number == 1  # its own register (TTr), not the plan's (KH)


def test_who_may_set_a_register(world):
    year = today().year
    with pytest.raises(Forbidden):
        registers.set_last(world.users["staff_a"], "SYT", "KH", year, 10)
    with pytest.raises(Forbidden):  # the Văn thư keeps its own body's registers only
        registers.set_last(world.users["clerk"], "SYT", "KH", year, 10)
    registers.set_last(world.users["clerk"], "UBND", "QĐ", year, 10)
    registers.set_last(world.users["admin"], "SYT", "KH", year, 7)
    assert [r["issuer"] for r in registers.listing(world.users["clerk"], year)] == ["UBND"]
    assert {r["issuer"] for r in registers.listing(world.users["admin"], year)} == {"UBND",
                                                                                     "SYT"}


def test_the_registers_page_and_the_issue_form(client, world):
    campaign = helpers.make_campaign(world)
    first, second = _approved(world, campaign, 2)
    year = today().year
    login(client, "clerk")
    page = client.get("/registers")
    assert page.status_code == 200
    r = client.post("/registers", data={
        "csrf_token": csrf_of(page.get_data(as_text=True)), "issuer": "UBND",
        "doc_type": "QĐ", "year": str(year), "last_number": "1204", "note": "Sổ giấy"},
        follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "Đã đặt số đã dùng của sổ." in html and "1205" in html and "Sổ giấy" in html

    page = client.get(f"/decisions/{first.id}").get_data(as_text=True)
    # one "Ban hành" in the action panel, where the Văn thư may enter the number and date
    assert page.count('data-trigger="issue"') == 1
    assert 'id="number-issue"' in page and 'id="issued-on-issue"' in page
    assert "Để trống: số tiếp theo của sổ (1205/QĐ-UBND)" in page
    r = client.post(f"/decisions/{first.id}/transitions", data={
        "csrf_token": csrf_of(page), "trigger": "issue", "version": str(first.version),
        "number": "1300", "issued_on": today().isoformat()}, follow_redirects=True)
    assert r.status_code == 200
    db.session.refresh(first)
    assert first.number == 1300
    page = client.get(f"/decisions/{second.id}").get_data(as_text=True)
    r = client.post(f"/decisions/{second.id}/transitions", data={
        "csrf_token": csrf_of(page), "trigger": "issue", "version": str(second.version),
        "number": "1300"}, follow_redirects=True)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Số 1300 đã được cấp trong sổ QĐ" in html
    db.session.refresh(second)
    assert second.state == "approved"
    listing = client.get("/registers").get_data(as_text=True)
    assert "1205–1299" in listing  # the gap is shown

    login(client, "staff_a")
    assert client.get("/registers").status_code == 403


@pytest.mark.storage
def test_the_signed_scan_is_kept_with_its_hash_and_sent_with_the_decision(world, api):
    campaign = helpers.make_campaign(world)
    [decision] = _approved(world, campaign)
    clerk = api("clerk")
    refused = clerk.post(f"/api/v1/decisions/{decision.id}/signed-scan",
                         data={"file": (io.BytesIO(b"PK\x03\x04not a pdf"), "scan.docx")},
                         content_type="multipart/form-data")
    assert refused.status_code == 422
    assert api("appraiser").post(
        f"/api/v1/decisions/{decision.id}/signed-scan",
        data={"file": (io.BytesIO(helpers.PDF), "scan.pdf")},
        content_type="multipart/form-data").status_code == 403
    r = clerk.post(f"/api/v1/decisions/{decision.id}/signed-scan",
                   data={"file": (io.BytesIO(helpers.PDF), "Quyết định đã ký.pdf")},
                   content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["sha256"] == hashlib.sha256(helpers.PDF).hexdigest()
    helpers.fire(world, "decision", decision, "clerk", "issue")
    listed = {d["name"]: d for d in clerk.get(
        f"/api/v1/decisions/{decision.id}/documents").get_json()}
    assert listed["decision_signed"]["sha256"] == hashlib.sha256(helpers.PDF).hexdigest()
    assert listed["decision"]["final"]
    got = clerk.get(f"/api/v1/decisions/{decision.id}/documents/decision_signed")
    assert got.status_code == 200 and got.data == helpers.PDF
    assert got.headers["Content-Type"] == "application/pdf"
    mail = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.item_type == "decision", OutboxMessage.template == "decision.issue",
        OutboxMessage.recipient_email.is_not(None))).first()
    assert [a["name"] for a in mail.payload["attachments"]] == ["decision", "decision_signed"]
    message = build_message(mail)
    kinds = sorted(a.content_type for a in message.attachments)
    assert "application/pdf" in kinds and len(kinds) == 2


RACERS = 2


def _issue_at_once(app, world, decisions, body):
    """Each decision issued by the Office at the same instant, from its own process, with
    ``body`` added to the transition: the answers, (status, error code), sorted."""
    token = helpers.token_for(world.users["clerk"])
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(len(decisions)), ctx.Queue()
    config = {key: app.config[key] for key in (
        "SQLALCHEMY_DATABASE_URI", "UPLOAD_FOLDER", "SECRET_KEY", "MAX_CONTENT_LENGTH")}
    config["TESTING"] = True
    procs = [ctx.Process(target=fire_at_once, args=(
        config, token, f"/api/v1/decisions/{d.id}/transitions",
        {"trigger": "issue", "version": d.version, **body}, barrier, results))
        for d in decisions]
    for p in procs:
        p.start()
    outcomes = sorted(results.get(timeout=90) for _ in procs)
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    return outcomes


def test_two_issuers_entering_the_same_number_at_once_one_wins(app, world):
    campaign = helpers.make_campaign(world)
    decisions = _approved(world, campaign, RACERS)
    outcomes = _issue_at_once(app, world, decisions, {"number": 77})
    assert outcomes[0] == (200, None)
    assert outcomes[1][0] == 409 and outcomes[1][1] in ("number_taken", "integrity", "busy",
                                                        "stale")
    db.session.expire_all()
    issued = [db.session.get(Decision, d.id) for d in decisions]
    assert sorted(d.state for d in issued) == ["approved", "issued"]
    assert db.session.scalar(sa.select(sa.func.count(RegisterEntry.id)).where(
        RegisterEntry.number == 77)) == 1


def test_take_number_refuses_a_number_given_twice_in_the_same_register(world):
    from app.services.tx import transaction

    ubnd = world.units["UBND"].id
    with transaction():
        assert registers.take_number(ubnd, "QĐ", 2030, wanted=5) == 5
        assert registers.take_number(ubnd, "QĐ", 2030) == 6
        assert registers.take_number(ubnd, "QĐ", 2031, wanted=5) == 5  # another year
    with pytest.raises(Conflict):
        with transaction():
            registers.take_number(ubnd, "QĐ", 2030, wanted=6)
    assert _register("UBND", "QĐ", 2030).last_number == 6


# -- issue 20: an empty number is the next one only as confirmed --------------------------


def _issue(clerk, decision, **body):
    return clerk.post(f"/api/v1/decisions/{decision.id}/transitions",
                      json={"trigger": "issue", "version": decision.version, **body})


def test_an_issue_with_the_confirmed_next_number_takes_it_and_a_moved_one_is_refused(world,
                                                                                      api):
    campaign = helpers.make_campaign(world)
    first, second = _approved(world, campaign, 2)
    year = today().year
    clerk = api("clerk")
    listed = clerk.get(f"/api/v1/decisions/{first.id}/actions").get_json()["actions"]
    [issue] = [a for a in listed if a["trigger"] == "issue"]
    # the question the API gives names what an issue now would use: the next number, today
    assert issue["confirm"].startswith(
        f"Ban hành quyết định số 01/QĐ-UBND, ngày {today():%d/%m/%Y}:"), issue["confirm"]
    assert "expected_number" in issue["inputs"]

    r = _issue(clerk, first, expected_number=1)
    assert r.status_code == 200, r.get_json()
    db.session.expire_all()
    assert db.session.get(Decision, first.id).number == 1

    # the second was shown 01 too (another issue took it): refused, nothing changed
    before = db.session.get(Decision, second.id).version
    r = _issue(clerk, second, expected_number=1)
    assert r.status_code == 409, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "next_number_changed"
    assert error["message"].startswith(f"Số 01 không còn là số tiếp theo của sổ QĐ năm {year}")
    assert "Số tiếp theo bây giờ là 02." in error["message"]
    assert error["details"]["next_number"] == 2
    db.session.expire_all()
    second = db.session.get(Decision, second.id)
    assert (second.state, second.number, second.version) == ("approved", None, before)
    assert _events(second.id) == 0
    register = _register("UBND", "QĐ", year)
    assert register.last_number == 1
    assert db.session.scalar(sa.select(sa.func.count(RegisterEntry.id)).where(
        RegisterEntry.register_id == register.id)) == 1

    r = _issue(clerk, second, expected_number=2)
    assert r.status_code == 200, r.get_json()
    db.session.expire_all()
    assert db.session.get(Decision, second.id).number == 2


def test_a_typed_number_wins_over_the_expected_one_and_a_bad_expected_one_is_refused(world,
                                                                                      api):
    campaign = helpers.make_campaign(world)
    first, second = _approved(world, campaign, 2)
    clerk = api("clerk")
    assert _issue(clerk, first, expected_number=0).status_code == 422
    r = _issue(clerk, first, number=40, expected_number=9)  # the typed number is what is used
    assert r.status_code == 200, r.get_json()
    # without an expected number the API issues the next one, as before (optional)
    assert _issue(clerk, second).status_code == 200
    db.session.expire_all()
    assert [db.session.get(Decision, d.id).number for d in (first, second)] == [40, 41]


def test_take_number_refuses_an_expected_number_the_register_moved_past(world):
    from app.services.tx import transaction

    ubnd = world.units["UBND"].id
    with transaction():
        assert registers.take_number(ubnd, "QĐ", 2030, expected=1) == 1
    with pytest.raises(Conflict) as refused:
        with transaction():
            registers.take_number(ubnd, "QĐ", 2030, expected=1)
    assert refused.value.code == "next_number_changed"
    assert _register("UBND", "QĐ", 2030).last_number == 1  # the increment rolled back
    assert registers.peek_next(ubnd, "QĐ", 2030) == 2
    assert registers.peek_next_by_year(ubnd, "QĐ", (2029, 2030)) == {2029: 1, 2030: 2}


def test_two_issues_confirming_the_same_next_number_at_once_one_is_refused(app, world):
    campaign = helpers.make_campaign(world)
    racing = _approved(world, campaign, RACERS)
    outcomes = _issue_at_once(app, world, racing, {"expected_number": 1})
    assert outcomes[0] == (200, None)
    assert outcomes[1][0] == 409 and outcomes[1][1] in ("next_number_changed", "busy"), outcomes
    db.session.expire_all()
    issued = sorted((d.state, d.number) for d in (db.session.get(Decision, d.id)
                                                   for d in racing))
    assert issued == [("approved", None), ("issued", 1)]
    assert _register("UBND", "QĐ", today().year).last_number == 1
