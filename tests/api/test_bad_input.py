"""Bad input through the API: every refusal is a clear 4xx JSON error
{"error": {"code", "message", "details", "request_id"}} (never a 500, an HTML page or a stack trace),
and a refused request changes nothing: not the item's state, version or content, not
the audit trail, not the outbox, not the uploaded files."""
import io
import os
import re
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask import current_app
from itsdangerous import URLSafeTimedSerializer
from werkzeug.datastructures import FileStorage
from werkzeug.http import parse_options_header
from werkzeug.test import encode_multipart

from app.clock import now_utc
from app.extensions import db
from app.models import (
    ApiToken,
    Attachment,
    Campaign,
    Decision,
    Dossier,
    Nominee,
    OutboxMessage,
    Plan,
    WorkflowEvent,
)
from app.services import decisions, storage, workflow
from app.services.auth import _digest
from tests import helpers
from tests.helpers import PDF, storage_on_s3

API = "/api/v1"
MAX_BODY = 2 * 1024 * 1024  # MAX_CONTENT_LENGTH in the tests' app
VIETNAMESE = re.compile("[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợ"
                        "ùúủũụưừứửữựỳýỷỹỵ]", re.IGNORECASE)
KIND_OF = {Campaign: "campaign", Plan: "plan", Dossier: "dossier", Decision: "decision"}


# -- what a refusal looks like, and what it must leave alone ------------------------------

def error_of(r, status, code=None):
    """The error of a refused request, once its status and JSON shape are checked."""
    text = r.get_data(as_text=True)
    assert r.status_code == status, text[:600]
    assert r.mimetype == "application/json", text[:300]
    assert "Traceback" not in text and "<html" not in text.lower()
    body = r.get_json()
    assert list(body) == ["error"], body
    error = body["error"]
    assert set(error) == {"code", "message", "details", "request_id"}, error
    assert isinstance(error["message"], str) and error["message"].strip(), error
    assert isinstance(error["details"], dict), error
    if code is not None:
        assert error["code"] == code, error
    return error


def names(details, field):
    """Whether the (nested) error details name ``field``."""
    if isinstance(details, dict):
        return field in details or any(names(v, field) for v in details.values())
    if isinstance(details, list):
        return any(names(v, field) for v in details)
    return False


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def stored_files():
    return storage.keys()  # whichever backend the run uses


def footprint(items):
    db.session.rollback()  # read what is committed, not what this session remembers
    seen = {m.__name__: _count(m) for m in (WorkflowEvent, OutboxMessage, Attachment, Nominee)}
    seen["files"] = stored_files()
    for kind, item_id in items:
        item = db.session.get(workflow.KINDS[kind].model, item_id)
        seen[(kind, item_id)] = (item.state, item.version, workflow.snapshot(kind, item))
    return seen


@contextmanager
def nothing_changes(*items):
    """The items (state, version, content), events, outbox rows, nominees, attachments
    and stored files are the same after the block as before it."""
    keys = [(KIND_OF[type(item)], item.id) for item in items]
    before = footprint(keys)
    yield
    assert footprint(keys) == before


# -- items in the states the tests need ----------------------------------------------------

PATHS = {
    "plan": [("staff_a", "submit"), ("head_a", "sign_off"), ("appraiser", "start_appraisal"),
             ("appraiser", "forward")],
    "dossier": [("staff_a", "submit"), ("head_a", "sign_off"), ("appraiser", "start_appraisal")],
    "decision": [("appraiser", "submit"), ("board_head", "sign_proposal")],
}


def draft_decision(world, campaign, nominees=True):
    appraiser = world.users["appraiser"]
    decision = decisions.create_decision(appraiser, {"campaign_id": campaign.id,
                                                     "award_form": "BKCT"})
    if nominees:
        dossier = helpers.appraised_dossier(world, campaign)
        decision = decisions.add_nominees(appraiser, decision.id,
                                          [n.id for n in dossier.nominees])
    return decision


def item_in(world, campaign, kind, state):
    """SYT's complete plan or dossier, or a decision naming SYT's nominees, in ``state``."""
    item = {"plan": helpers.complete_plan, "dossier": helpers.complete_dossier,
            "decision": draft_decision}[kind](world, campaign)
    for who, trigger in PATHS[kind]:
        if item.state == state:
            break
        item = helpers.fire(world, kind, item, who, trigger)
    assert item.state == state
    return item


@pytest.fixture
def syt(world, campaign, api):
    """SYT's complete draft plan and dossier, and the clients the tests call with."""
    plan = helpers.complete_plan(world, campaign)
    dossier = helpers.complete_dossier(world, campaign)
    for who in ("staff_a", "head_a", "appraiser", "chairman"):
        api(who)  # tokens first: they are rows too, and must not count as a change
    return SimpleNamespace(plan=plan, dossier=dossier, nominee=dossier.nominees[0],
                           attachment=dossier.attachments[0], target=campaign.targets[0],
                           content=campaign.contents[0])


def ids(syt):
    db.session.refresh(syt.plan)
    db.session.refresh(syt.dossier)
    return {"p": syt.plan.id, "pv": syt.plan.version, "d": syt.dossier.id,
            "dv": syt.dossier.version, "n": syt.nominee.id, "a": syt.attachment.id,
            "t": syt.target.id, "c": syt.content.id}


# -- malformed JSON ----------------------------------------------------------------------------

MALFORMED = ["{bad", "{'trigger': 'submit', 'version': 1}", '{"trigger": "submit", "version": 1',
             '{"trigger": "submit",}', b"\xff\xfe{\x00"]


@pytest.mark.parametrize("body", MALFORMED, ids=["brace", "single-quotes", "truncated",
                                                 "trailing-comma", "not-utf8"])
@pytest.mark.parametrize("method,url", [
    ("post", "/plans/{p}/transitions"),
    ("patch", "/plans/{p}"),
    ("patch", "/dossiers/{d}"),
    ("post", "/dossiers/{d}/nominees"),
    ("patch", "/dossiers/{d}/nominees/{n}"),
])
def test_malformed_json_is_400_and_changes_nothing(api, syt, method, url, body):
    staff = api("staff_a")
    with nothing_changes(syt.plan, syt.dossier):
        r = getattr(staff.client, method)(API + url.format(**ids(syt)), data=body,
                                          content_type="application/json", headers=staff.headers)
        error_of(r, 400, "malformed_json")


def test_malformed_json_on_sign_in_is_400(client, world):
    r = client.post(f"{API}/auth/token", data="{username: staff_a}",
                    content_type="application/json")
    error_of(r, 400, "malformed_json")


# -- wrong types, unknown fields, missing fields, unknown or misplaced triggers ---------------

def transition(**fields):
    """A transition body; a callable value is given the plan's current version."""
    return lambda i: {k: v(i["pv"]) if callable(v) else v for k, v in fields.items()}


def current(version):
    return version


BAD_TRANSITIONS = [
    # id, who, request body, status, code, field named in details
    ("version-as-string", "staff_a", transition(trigger="submit", version=str),
     422, "validation_error", "version"),
    ("version-as-float", "staff_a", transition(trigger="submit", version=lambda v: v + 0.5),
     422, "validation_error", "version"),
    ("version-as-bool", "staff_a", transition(trigger="submit", version=True),
     422, "validation_error", "version"),
    ("version-null", "staff_a", transition(trigger="submit", version=None),
     422, "validation_error", "version"),
    ("version-beyond-integer", "staff_a", transition(trigger="submit", version=2**63),
     422, "validation_error", "version"),
    ("version-missing", "staff_a", transition(trigger="submit"),
     422, "validation_error", "version"),
    ("trigger-as-number", "staff_a", transition(trigger=1, version=current),
     422, "validation_error", "trigger"),
    ("trigger-as-list", "staff_a", transition(trigger=["submit"], version=current),
     422, "validation_error", "trigger"),
    ("trigger-empty", "staff_a", transition(trigger="", version=current),
     422, "validation_error", "trigger"),
    ("trigger-missing", "staff_a", transition(version=current),
     422, "validation_error", "trigger"),
    ("comment-as-number", "staff_a", transition(trigger="submit", version=current, comment=42),
     422, "validation_error", "comment"),
    ("unknown-field", "staff_a", transition(trigger="submit", version=current, force=True),
     422, "validation_error", "force"),
    ("unknown-field-state", "staff_a",
     transition(trigger="submit", version=current, state="approved"),
     422, "validation_error", "state"),
    ("body-is-a-list", "staff_a", lambda i: ["submit", i["pv"]],
     422, "validation_error", "_schema"),
    ("unknown-trigger", "staff_a", transition(trigger="publish", version=current),
     422, "unknown_trigger", "trigger"),
    ("trigger-of-another-process", "appraiser",
     transition(trigger="complete_appraisal", version=current),
     422, "unknown_trigger", "trigger"),
    ("sign-off-a-draft", "head_a", transition(trigger="sign_off", version=current),
     409, "invalid_state", "state"),
    ("approve-a-draft", "chairman", transition(trigger="approve", version=current),
     409, "invalid_state", "state"),
    ("stale-version-ahead", "staff_a", transition(trigger="submit", version=lambda v: v + 1),
     409, "stale_version", "current_version"),
    ("stale-version-behind", "staff_a", transition(trigger="submit", version=lambda v: v - 1),
     409, "stale_version", "current_version"),
    ("head-submits-for-staff", "head_a", transition(trigger="submit", version=current),
     403, "forbidden", None),
]


@pytest.mark.parametrize("who,make_body,status,code,field",
                         [row[1:] for row in BAD_TRANSITIONS], ids=[r[0] for r in BAD_TRANSITIONS])
def test_bad_transition_is_refused_and_changes_nothing(api, syt, who, make_body, status, code,
                                                       field):
    i = ids(syt)
    with nothing_changes(syt.plan):
        r = api(who).post(f"{API}/plans/{i['p']}/transitions", json=make_body(i))
        error = error_of(r, status, code)
        if field:
            assert names(error["details"], field), error


def test_the_same_plan_takes_a_well_formed_transition(api, syt):
    """The control for the table above: the plan and the clients are fine."""
    i = ids(syt)
    r = api("staff_a").post(f"{API}/plans/{i['p']}/transitions",
                            json={"trigger": "submit", "version": i["pv"]})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["state"] == "awaiting_head"


def test_stale_version_tells_the_current_one(api, syt):
    i = ids(syt)
    with nothing_changes(syt.plan):
        r = api("staff_a").post(f"{API}/plans/{i['p']}/transitions",
                                json={"trigger": "submit", "version": i["pv"] + 3})
        error = error_of(r, 409, "stale_version")
    assert error["details"]["current_version"] == i["pv"]


def _edit(method, url, body, status, code, field):
    return (method, url, body, status, code, field)


BAD_EDITS = {
    # plan: text per content area, a figure per target
    "plan-value-as-text": _edit("patch", "/plans/{p}", lambda i: {
        "version": i["pv"], "commitments": [{"target_id": i["t"], "value": "nhiều"}]},
        422, "validation_error", "value"),
    "plan-value-negative": _edit("patch", "/plans/{p}", lambda i: {
        "version": i["pv"], "commitments": [{"target_id": i["t"], "value": -5}]},
        422, "invalid_input", "commitments[0].value"),
    "plan-value-not-finite": _edit("patch", "/plans/{p}", lambda i: {
        "version": i["pv"], "commitments": [{"target_id": i["t"], "value": "NaN"}]},
        422, "validation_error", "value"),
    "plan-value-beyond-numeric-14-2": _edit("patch", "/plans/{p}", lambda i: {
        "version": i["pv"], "commitments": [{"target_id": i["t"], "value": 10**12}]},
        422, "invalid_input", "commitments[0].value"),
    "plan-target-id-as-string": _edit("patch", "/plans/{p}", lambda i: {
        "version": i["pv"], "commitments": [{"target_id": str(i["t"]), "value": 1}]},
        422, "validation_error", "target_id"),
    "plan-target-id-beyond-integer": _edit("patch", "/plans/{p}", lambda i: {
        "version": i["pv"], "commitments": [{"target_id": 2**31, "value": 1}]},
        422, "validation_error", "target_id"),
    "plan-target-of-no-campaign": _edit("patch", "/plans/{p}", lambda i: {
        "version": i["pv"], "commitments": [{"target_id": 999999, "value": 1}]},
        422, "unknown_target", "target_id"),
    "plan-content-of-no-campaign": _edit("patch", "/plans/{p}", lambda i: {
        "version": i["pv"], "sections": [{"content_id": 999999, "text": "Nội dung"}]},
        422, "unknown_content", "content_id"),
    "plan-section-text-as-list": _edit("patch", "/plans/{p}", lambda i: {
        "version": i["pv"], "sections": [{"content_id": i["c"], "text": ["Nội dung"]}]},
        422, "validation_error", "text"),
    "plan-sections-not-a-list": _edit("patch", "/plans/{p}", lambda i: {
        "version": i["pv"], "sections": {"content_id": i["c"], "text": "Nội dung"}},
        422, "validation_error", "sections"),
    "plan-summary-as-number": _edit("patch", "/plans/{p}", lambda i: {
        "version": i["pv"], "summary": 5}, 422, "validation_error", "summary"),
    "plan-unknown-field-state": _edit("patch", "/plans/{p}", lambda i: {
        "version": i["pv"], "state": "approved"}, 422, "validation_error", "state"),
    "plan-unknown-field-unit": _edit("patch", "/plans/{p}", lambda i: {
        "version": i["pv"], "unit_id": 5}, 422, "validation_error", "unit_id"),
    "plan-version-missing": _edit("patch", "/plans/{p}", lambda i: {
        "summary": "Sửa"}, 422, "validation_error", "version"),
    "plan-version-as-string": _edit("patch", "/plans/{p}", lambda i: {
        "version": str(i["pv"]), "summary": "Sửa"}, 422, "validation_error", "version"),
    "plan-stale-version": _edit("patch", "/plans/{p}", lambda i: {
        "version": i["pv"] + 1, "summary": "Sửa"}, 409, "stale_version", "current_version"),
    "plan-body-is-a-list": _edit("patch", "/plans/{p}", lambda i: [{"version": i["pv"]}],
                                 422, "validation_error", "_schema"),
    # dossier: the council's vote record and results
    "dossier-meeting-date-not-a-date": _edit("patch", "/dossiers/{d}", lambda i: {
        "version": i["dv"], "council_meeting_date": "hôm qua"},
        422, "validation_error", "council_meeting_date"),
    "dossier-members-as-string": _edit("patch", "/dossiers/{d}", lambda i: {
        "version": i["dv"], "council_members_total": "9"},
        422, "validation_error", "council_members_total"),
    "dossier-members-zero": _edit("patch", "/dossiers/{d}", lambda i: {
        "version": i["dv"], "council_members_present": 0},
        422, "invalid_input", "council_members_present"),
    "dossier-chair-too-long": _edit("patch", "/dossiers/{d}", lambda i: {
        "version": i["dv"], "council_chair": "Trần " * 60},
        422, "invalid_input", "council_chair"),
    "dossier-start-not-a-time": _edit("patch", "/dossiers/{d}", lambda i: {
        "version": i["dv"], "council_started_at": "sáng"},
        422, "validation_error", "council_started_at"),
    "dossier-meeting-ends-before-it-starts": _edit("patch", "/dossiers/{d}", lambda i: {
        "version": i["dv"], "council_started_at": "10:00", "council_ended_at": "09:00"},
        422, "council_times", "council_ended_at"),
    "dossier-result-as-text": _edit("patch", "/dossiers/{d}", lambda i: {
        "version": i["dv"], "results": [{"target_id": i["t"], "value": "đạt"}]},
        422, "validation_error", "value"),
    "dossier-unknown-field-late": _edit("patch", "/dossiers/{d}", lambda i: {
        "version": i["dv"], "late": False}, 422, "validation_error", "late"),
    "dossier-version-missing": _edit("patch", "/dossiers/{d}", lambda i: {
        "summary": "Sửa"}, 422, "validation_error", "version"),
    "dossier-stale-version": _edit("patch", "/dossiers/{d}", lambda i: {
        "version": i["dv"] - 1, "summary": "Sửa"}, 409, "stale_version", "current_version"),
    # nominees
    "nominee-kind-unknown": _edit("post", "/dossiers/{d}/nominees", lambda i: {
        "kind": "robot", "name": "Nguyễn Văn Bình", "award_form": "BKCT"},
        422, "validation_error", "kind"),
    "nominee-missing-kind": _edit("post", "/dossiers/{d}/nominees", lambda i: {
        "name": "Nguyễn Văn Bình", "award_form": "BKCT"}, 422, "validation_error", "kind"),
    "nominee-name-empty": _edit("post", "/dossiers/{d}/nominees", lambda i: {
        "kind": "individual", "name": "", "award_form": "BKCT"},
        422, "validation_error", "name"),
    "nominee-name-too-long": _edit("post", "/dossiers/{d}/nominees", lambda i: {
        "kind": "individual", "name": "Nguyễn " * 50, "award_form": "BKCT"},
        422, "invalid_input", "name"),
    "nominee-votes-as-string": _edit("post", "/dossiers/{d}/nominees", lambda i: {
        "kind": "individual", "name": "Nguyễn Văn Bình", "award_form": "BKCT",
        "votes_for": "8"}, 422, "validation_error", "votes_for"),
    "nominee-votes-negative": _edit("post", "/dossiers/{d}/nominees", lambda i: {
        "kind": "individual", "name": "Nguyễn Văn Bình", "award_form": "BKCT",
        "votes_for": -1}, 422, "invalid_input", "votes_for"),
    "nominee-votes-beyond-integer": _edit("post", "/dossiers/{d}/nominees", lambda i: {
        "kind": "individual", "name": "Nguyễn Văn Bình", "award_form": "BKCT",
        "votes_for": 10**20}, 422, "invalid_input", "votes_for"),
    "nominee-sets-own-verdict": _edit("post", "/dossiers/{d}/nominees", lambda i: {
        "kind": "individual", "name": "Nguyễn Văn Bình", "award_form": "BKCT",
        "verdict": "accepted"}, 422, "validation_error", "verdict"),
    "nominee-award-form-unknown": _edit("post", "/dossiers/{d}/nominees", lambda i: {
        "kind": "individual", "name": "Nguyễn Văn Bình", "award_form": "HUAN-CHUONG-VANG"},
        422, "unknown_award_form", "award_form"),
    "nominee-patch-version-as-string": _edit("patch", "/dossiers/{d}/nominees/{n}", lambda i: {
        "version": str(i["dv"]), "name": "Tên mới"}, 422, "validation_error", "version"),
    "nominee-patch-stale-version": _edit("patch", "/dossiers/{d}/nominees/{n}", lambda i: {
        "version": i["dv"] + 1, "name": "Tên mới"}, 409, "stale_version", "current_version"),
    "nominee-patch-unknown-nominee": _edit("patch", "/dossiers/{d}/nominees/999999", lambda i: {
        "name": "Tên mới"}, 404, "not_found", None),
    "nominee-delete-version-not-a-number": _edit(
        "delete", "/dossiers/{d}/nominees/{n}?version=abc", None,
        422, "validation_error", "version"),
    "nominee-delete-stale-version": _edit(
        "delete", "/dossiers/{d}/nominees/{n}?version=999", None,
        409, "stale_version", "current_version"),
    "attachment-delete-version-not-a-number": _edit(
        "delete", "/dossiers/{d}/attachments/{a}?version=1.5", None,
        422, "validation_error", "version"),
}


@pytest.mark.parametrize("method,url,body,status,code,field", BAD_EDITS.values(),
                         ids=BAD_EDITS.keys())
def test_bad_edit_is_refused_and_changes_nothing(api, syt, method, url, body, status, code,
                                                 field):
    i = ids(syt)
    kw = {"json": body(i)} if body else {}
    with nothing_changes(syt.plan, syt.dossier):
        r = getattr(api("staff_a"), method)(API + url.format(**i), **kw)
        error = error_of(r, status, code)
        if field:
            assert names(error["details"], field), error


@pytest.mark.parametrize("method,url,body", [
    ("patch", "/plans/{p}", lambda i: {"version": i["pv"], "summary": "Sửa",
                                       "commitments": [{"target_id": i["t"], "value": 5}]}),
    ("patch", "/dossiers/{d}", lambda i: {"version": i["dv"], "council_members_present": 8}),
    ("post", "/dossiers/{d}/nominees", lambda i: {
        "kind": "individual", "name": "Nguyễn Văn Bình", "award_form": "BKCT", "votes_for": 9}),
])
def test_the_same_edits_well_formed_are_accepted(api, syt, method, url, body):
    """The control for the table above."""
    i = ids(syt)
    r = getattr(api("staff_a"), method)(API + url.format(**i), json=body(i))
    assert r.status_code in (200, 201), r.get_json()


@pytest.mark.parametrize("url,field", [
    ("/plans?per_page=abc", "per_page"),
    ("/plans?page=0", "page"),
    ("/plans?per_page=1000", "per_page"),
    ("/plans?campaign_id=abc", "campaign_id"),
    ("/plans?campaign_id=99999999999999999999", "campaign_id"),
    ("/dossiers?unit_id=SYT", "unit_id"),
    ("/dossiers?page=99999999999999999999", "page"),
    ("/decisions?page=-1", "page"),
    ("/campaigns?state=flying", "state"),
    ("/inbox?kind=robot", "kind"),
])
def test_bad_query_arguments_are_422(api, world, url, field):
    error = error_of(api("appraiser").get(API + url), 422, "validation_error")
    assert names(error["details"], field), error


# -- comments the step requires ------------------------------------------------------------------

COMMENT_STEPS = [
    ("plan", "awaiting_head", "head_a", "head_return"),
    ("dossier", "awaiting_head", "head_a", "head_return"),
    ("plan", "in_appraisal", "appraiser", "return_to_unit"),
    ("dossier", "in_appraisal", "appraiser", "return_to_unit"),
    ("dossier", "in_appraisal", "appraiser", "reject"),
    ("plan", "awaiting_chairman", "chairman", "chairman_return"),
    ("decision", "awaiting_board_head", "board_head", "board_return"),
    ("decision", "awaiting_chairman", "chairman", "chairman_return"),
]
BLANK = [None, "", "   ", " \n\t \u3000"]


@pytest.mark.parametrize("kind,state,who,trigger", COMMENT_STEPS,
                         ids=[f"{k}-{t}" for k, _, _, t in COMMENT_STEPS])
def test_a_step_that_needs_a_reason_refuses_a_blank_one(api, world, campaign, kind, state, who,
                                                        trigger):
    item = item_in(world, campaign, kind, state)
    client = api(who)
    for comment in BLANK:
        with nothing_changes(item):
            r = client.fire(kind, item.id, trigger, comment=comment)
            error_of(r, 422, "comment_required")
    # the control: with a reason the same step goes through, and the reason is kept
    r = client.fire(kind, item.id, trigger, comment="  Bổ sung số liệu  ")
    assert r.status_code == 200, r.get_json()
    history = client.get(f"{API}/{kind}s/{item.id}/history").get_json()
    assert (history[-1]["trigger"], history[-1]["comment"]) == (trigger, "Bổ sung số liệu")


# -- guards ---------------------------------------------------------------------------------------

def _empty_plan(world, campaign):
    return helpers.unit_item(Plan, campaign, "SYT")


def _empty_dossier(world, campaign):
    return helpers.unit_item(Dossier, campaign, "SYT")


def _dossier_without_verdicts(world, campaign):
    return item_in(world, campaign, "dossier", "in_appraisal")


def _decision_without_nominees(world, campaign):
    return draft_decision(world, campaign, nominees=False)


GUARDED = [
    ("plan-submit-empty", _empty_plan, "plan", "staff_a", "submit"),
    ("dossier-submit-empty", _empty_dossier, "dossier", "staff_a", "submit"),
    ("dossier-complete-appraisal-without-verdicts", _dossier_without_verdicts, "dossier",
     "appraiser", "complete_appraisal"),
    ("decision-submit-without-nominees", _decision_without_nominees, "decision", "appraiser",
     "submit"),
]


@pytest.mark.parametrize("build,kind,who,trigger", [g[1:] for g in GUARDED],
                         ids=[g[0] for g in GUARDED])
def test_a_guard_refuses_with_reasons_in_vietnamese(api, world, campaign, build, kind, who,
                                                    trigger):
    item = build(world, campaign)
    client = api(who)
    with nothing_changes(item):
        error = error_of(client.fire(kind, item.id, trigger), 422, "guard_failed")
    reasons = error["details"]["reasons"]
    assert reasons and all(isinstance(x, str) and VIETNAMESE.search(x) for x in reasons), reasons
    assert VIETNAMESE.search(error["message"])
    if len(reasons) == 1:
        assert error["message"] == reasons[0]
    # the actions the pages show give the same reasons, before anyone tries
    offered = client.get(f"{API}/{kind}s/{item.id}/actions").get_json()["actions"]
    step = next(a for a in offered if a["trigger"] == trigger)
    assert (step["allowed"], step["reasons"]) == (False, reasons)


def test_a_system_step_cannot_be_fired_by_hand(api, world, campaign):
    dossier = helpers.appraised_dossier(world, campaign)
    with nothing_changes(dossier):
        error_of(api("appraiser").fire("dossier", dossier.id, "include"), 403, "forbidden")


# -- bearer tokens and sign-in ------------------------------------------------------------------

def _token(user, **fields):
    token = "t-" + os.urandom(8).hex()
    db.session.add(ApiToken(user_id=user.id, token_hash=_digest(token),
                            expires_at=fields.pop("expires_at", now_utc() + timedelta(hours=1)),
                            **fields))
    db.session.commit()
    return token


@pytest.mark.parametrize("header,code", [
    (None, "unauthorized"),
    ("", "unauthorized"),
    ("Bearer", "invalid_token"),
    ("Bearer ", "invalid_token"),
    ("Bearer not-a-token", "invalid_token"),
    ("Basic c3RhZmZfYTptYXQta2hhdS10aHUtbmdoaWVt", "invalid_token"),
    ("Token {good}", "invalid_token"),
    ("Bearer {good}x", "invalid_token"),
    ("Bearer {expired}", "invalid_token"),
    ("Bearer {revoked}", "invalid_token"),
])
def test_without_a_valid_token_the_api_answers_401_and_changes_nothing(client, world, syt,
                                                                       header, code):
    staff = world.users["staff_a"]
    tokens = {"good": _token(staff),
              "expired": _token(staff, expires_at=now_utc() - timedelta(seconds=1)),
              "revoked": _token(staff, revoked_at=now_utc() - timedelta(minutes=1))}
    headers = {} if header is None else {"Authorization": header.format(**tokens)}
    i = ids(syt)
    error_of(client.get(f"{API}/me", headers=headers), 401, code)
    with nothing_changes(syt.plan):
        r = client.post(f"{API}/plans/{i['p']}/transitions", headers=headers,
                        json={"trigger": "submit", "version": i["pv"]})
        error_of(r, 401, code)
    # the control: the good token works
    assert client.get(f"{API}/me", headers={"Authorization": f"Bearer {tokens['good']}"}
                      ).status_code == 200


def test_a_deactivated_users_token_is_refused(api, world):
    staff = api("staff_a")
    assert staff.get(f"{API}/me").status_code == 200
    world.users["staff_a"].active = False
    db.session.commit()
    error_of(staff.get(f"{API}/me"), 401, "invalid_token")


def test_revoking_a_token_ends_it_and_only_it(app, world, api):
    first = api("staff_a")
    second = helpers.ApiClient(app.test_client(), helpers.token_for(world.users["staff_a"]))
    assert first.get(f"{API}/me").status_code == 200
    r = first.delete(f"{API}/auth/token")
    assert r.status_code == 204
    error_of(first.get(f"{API}/me"), 401, "invalid_token")
    error_of(first.delete(f"{API}/auth/token"), 401, "invalid_token")
    assert second.get(f"{API}/me").status_code == 200


@pytest.mark.parametrize("body,status,code", [
    ({"username": "staff_a", "password": "sai-mat-khau"}, 401, "bad_credentials"),
    ({"username": "staff_a", "password": ""}, 422, "validation_error"),
    ({"username": "khong-co-ai", "password": "mat-khau-thu-nghiem"}, 401, "bad_credentials"),
    ({"username": "STAFF_A", "password": "mat-khau-thu-nghiem"}, 401, "bad_credentials"),
    ({"username": "staff_a"}, 422, "validation_error"),
    ({"username": "staff_a", "password": 12345678}, 422, "validation_error"),
    ({"username": "staff_a", "password": "mat-khau-thu-nghiem", "remember": True},
     422, "validation_error"),
])
def test_sign_in_with_bad_credentials_issues_no_token(client, world, body, status, code):
    before = _count(ApiToken)
    error = error_of(client.post(f"{API}/auth/token", json=body), status, code)
    assert "token" not in error["details"]
    assert _count(ApiToken) == before
    # the control: the right password does issue one
    r = client.post(f"{API}/auth/token",
                    json={"username": "staff_a", "password": "mat-khau-thu-nghiem"})
    assert r.status_code == 201 and r.get_json()["token"]


def test_unknown_user_and_wrong_password_read_the_same(client, world):
    """No answer tells whether the account exists."""
    wrong = client.post(f"{API}/auth/token", json={"username": "staff_a", "password": "x" * 9})
    nobody = client.post(f"{API}/auth/token", json={"username": "nobody", "password": "x" * 9})
    assert error_of(wrong, 401) == error_of(nobody, 401)


# -- browser sessions need a CSRF token for writes --------------------------------------------

def _sign_in_session(client, user, csrf=None):
    with client.session_transaction() as s:
        s["_user_id"] = user.get_id()  # "id:session_version"
        s["_fresh"] = True
        if csrf:
            s["csrf_token"] = csrf


@pytest.mark.parametrize("header", [None, "", "not-a-csrf-token"])
def test_a_session_write_without_a_valid_csrf_token_is_400(app, client, world, syt, header):
    _sign_in_session(client, world.users["staff_a"], csrf="a" * 40)
    assert client.get(f"{API}/me").status_code == 200  # reading needs no token
    i = ids(syt)
    headers = {} if header is None else {"X-CSRFToken": header}
    with nothing_changes(syt.plan):
        r = client.patch(f"{API}/plans/{i['p']}", json={"version": i["pv"], "summary": "Sửa"},
                         headers=headers)
        error_of(r, 400, "csrf_failed")
        r = client.post(f"{API}/plans/{i['p']}/transitions", headers=headers,
                        json={"trigger": "submit", "version": i["pv"]})
        error_of(r, 400, "csrf_failed")
    # the control: the session's own token lets the same write through
    signed = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps("a" * 40)
    r = client.patch(f"{API}/plans/{i['p']}", json={"version": i["pv"], "summary": "Sửa"},
                     headers={"X-CSRFToken": signed})
    assert r.status_code == 200, r.get_json()


# -- uploads: size, type, names ------------------------------------------------------------------

def _upload(client, dossier_id, name, data, kind="to_trinh"):
    return client.post(f"{API}/dossiers/{dossier_id}/attachments",
                       data={"kind": kind, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


@pytest.mark.storage
def test_an_oversized_upload_is_413_json_and_stores_nothing(api, syt):
    # encoded here, in memory: the test client would spool a body this big to a temp file
    boundary, body = encode_multipart({
        "kind": "to_trinh",
        "file": FileStorage(io.BytesIO(PDF + b"0" * MAX_BODY), filename="Tờ trình.pdf",
                            content_type="application/pdf")})
    with nothing_changes(syt.dossier):
        r = api("staff_a").post(f"{API}/dossiers/{syt.dossier.id}/attachments", data=body,
                                content_type=f"multipart/form-data; boundary={boundary}")
        error_of(r, 413, "payload_too_large")


def test_an_oversized_json_body_is_413(api, syt):
    body = b'{"version": 1, "summary": "' + b"x" * MAX_BODY + b'"}'
    with nothing_changes(syt.plan):
        r = api("staff_a").patch(f"{API}/plans/{syt.plan.id}", data=body,
                                 content_type="application/json")
        error_of(r, 413, "payload_too_large")


@pytest.mark.storage
@pytest.mark.parametrize("name,data,code", [
    ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00", "file_type"),
    ("Tờ trình.pdf.exe", b"MZ\x90\x00\x03\x00\x00\x00", "file_type"),
    ("trang.html", b"<html><script>alert(1)</script></html>", "file_type"),
    ("tờ trình", PDF, "file_type"),
    ("..", PDF, "file_type"),
    ("Tờ trình.pdf", b"MZ\x90\x00\x03\x00\x00\x00", "file_content"),
    ("Tờ trình.pdf", b"<html><script>alert(1)</script></html>", "file_content"),
    ("Ảnh.png", PDF, "file_content"),
    ("Biên bản.docx", PDF, "file_content"),
    ("Tờ trình.pdf", b"", "file_empty"),
])
def test_a_file_of_the_wrong_type_is_422_and_leaves_no_file(api, syt, name, data, code):
    with nothing_changes(syt.dossier):
        error = error_of(_upload(api("staff_a"), syt.dossier.id, name, data), 422, code)
    assert names(error["details"], "file"), error


@pytest.mark.storage
@pytest.mark.parametrize("data,code,field", [
    ({"kind": "to_trinh"}, "validation_error", "file"),
    # the file's name sent as a text field, not as a file part
    ({"kind": "to_trinh", "file": "a.pdf"}, "validation_error", "file"),
    ({"file": (io.BytesIO(PDF), "a.pdf")}, "validation_error", "kind"),
    ({"kind": "virus", "file": (io.BytesIO(PDF), "a.pdf")}, "unknown_kind", "kind"),
    ({"kind": "to_trinh", "nominee_id": "mot", "file": (io.BytesIO(PDF), "a.pdf")},
     "validation_error", "nominee_id"),
    ({"kind": "to_trinh", "version": "99999999999999999999",
      "file": (io.BytesIO(PDF), "a.pdf")}, "validation_error", "version"),
])
def test_an_incomplete_upload_form_is_422_and_leaves_no_file(api, syt, data, code, field):
    with nothing_changes(syt.dossier):
        r = api("staff_a").post(f"{API}/dossiers/{syt.dossier.id}/attachments", data=data,
                                content_type="multipart/form-data")
        error = error_of(r, 422, code)
    assert names(error["details"], field), error


@pytest.mark.storage
def test_an_upload_to_a_sent_dossier_is_409_and_leaves_no_file(api, world, campaign):
    dossier = item_in(world, campaign, "dossier", "awaiting_head")
    with nothing_changes(dossier):
        error_of(_upload(api("staff_a"), dossier.id, "Tờ trình.pdf", PDF), 409, "not_editable")


@pytest.mark.storage
@pytest.mark.parametrize("name,clean", [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\x.pdf", "x.pdf"),
    ("/var/lib/tdkt/Tờ trình.pdf", "Tờ trình.pdf"),
    ("../../../../../../tmp/../x/Biên bản họp.pdf", "Biên bản họp.pdf"),
    (".hidden.pdf", "hidden.pdf"),
    ("a\x00b.pdf", "ab.pdf"),
    ("bao\x1b[31mcao\x7f.pdf", "bao[31mcao.pdf"),
    ("\u202efdp.exe.pdf", "fdp.exe.pdf"),
])
def test_path_tricks_in_file_names_are_cleaned(api, syt, name, clean):
    upload_root = Path(current_app.config["UPLOAD_FOLDER"]).resolve()
    around = upload_root.parent  # the test run's own folder: the database, the uploads

    def everything():
        return {p for p in around.rglob("*") if "sqlite3" not in p.name}

    files_before, keys_before = everything(), set(storage.keys())
    staff = api("staff_a")
    r = _upload(staff, syt.dossier.id, name, PDF)
    assert r.status_code == 201, r.get_json()
    attachment = r.get_json()
    assert attachment["filename"] == clean

    (key,) = set(storage.keys()) - keys_before
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", key) and storage.read(key) == PDF
    new = everything() - files_before
    if storage_on_s3():
        assert not new  # nothing at all on the local disk
    else:
        assert new == {upload_root / key}, new
    naive = os.path.normpath(os.path.join(upload_root, name.replace("\\", "/")))
    assert not os.path.exists(naive)  # where the name alone would have put it

    listed = staff.get(f"{API}/dossiers/{syt.dossier.id}/attachments").get_json()
    assert clean in [a["filename"] for a in listed]
    download = staff.get(f"{API}/dossiers/{syt.dossier.id}/attachments/{attachment['id']}")
    assert download.status_code == 200 and download.data == PDF
    disposition, params = parse_options_header(download.headers["Content-Disposition"])
    download.close()
    assert (disposition, params["filename"]) == ("attachment", clean)


# -- routes and methods that do not exist -------------------------------------------------------

@pytest.mark.parametrize("method,url", [
    ("get", "/api/v1/nope"),
    ("get", "/api/v1/plans/abc"),
    ("get", "/api/v1/plans/{p}/nope"),
    ("post", "/api/v1/plans/{p}/transitionz"),
    ("get", "/api/v2/plans"),
    ("get", "/api/v1/plans/0"),
    ("get", "/api/v1/plans/2147483648"),  # beyond a PostgreSQL INTEGER
    ("get", "/api/v1/plans/99999999999999999999"),  # beyond a SQLite INTEGER
    ("get", "/api/v1/dossiers/{d}/attachments/99999999999999999999"),
    ("delete", "/api/v1/dossiers/{d}/nominees/99999999999999999999"),
    ("get", "/api/v1/dossiers/{d}/attachments/999999"),
])
def test_an_unknown_route_or_item_is_404_json(api, syt, method, url):
    with nothing_changes(syt.plan, syt.dossier):
        error_of(getattr(api("staff_a"), method)(url.format(**ids(syt))), 404, "not_found")


@pytest.mark.parametrize("method,url,allowed", [
    ("delete", "/api/v1/plans/{p}", {"GET", "PATCH"}),
    ("put", "/api/v1/plans/{p}/transitions", {"POST"}),
    ("get", "/api/v1/plans/{p}/transitions", {"POST"}),
    ("post", "/api/v1/inbox", {"GET"}),
    ("patch", "/api/v1/dossiers", {"GET"}),
    ("get", "/api/v1/auth/token", {"POST", "DELETE"}),
    ("post", "/api/v1/dossiers/{d}/nominees/{n}", {"PATCH", "DELETE"}),
])
def test_a_wrong_method_is_405_json_with_allow(api, syt, method, url, allowed):
    with nothing_changes(syt.plan, syt.dossier):
        r = getattr(api("staff_a"), method)(url.format(**ids(syt)))
        error_of(r, 405, "method_not_allowed")
    assert allowed <= {m.strip() for m in r.headers["Allow"].split(",")}
