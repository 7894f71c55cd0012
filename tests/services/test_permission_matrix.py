"""Who may fire what, through the services: every manual trigger of every process, fired
on a real item in the trigger's source state by a user holding exactly one role.

The tables below are written from DESIGN.md §2–§3; the first tests check that they are
exactly what workflows/ declares, so the matrix can neither drift nor miss a step.
"""
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import OutboxMessage, User, WorkflowEvent
from app.services import decisions, dossiers, workflow
from app.services.errors import Forbidden, NotFound
from tests import helpers
from tests.conftest import PASSWORD_HASH
from workflows import PROCESSES
from workflows.roles import ROLES

ALL_ROLES = ("unit_staff", "unit_head", "board_appraiser", "board_head", "chairman",
             "office_clerk", "admin")

# (process, trigger, source state, roles that may fire it): DESIGN.md §3.
MATRIX = [
    ("campaign", "launch", "draft", {"board_head"}),
    ("campaign", "close", "launched", {"board_head"}),
    *[(kind, trigger, source, roles) for kind in ("plan", "dossier") for trigger, source, roles in [
        ("submit", "draft", {"unit_staff"}),
        ("submit", "returned", {"unit_staff"}),
        ("head_return", "awaiting_head", {"unit_head"}),
        ("sign_off", "awaiting_head", {"unit_head"}),
        ("withdraw", "submitted", {"unit_head"}),
        ("start_appraisal", "submitted", {"board_appraiser"}),
        ("return_to_unit", "in_appraisal", {"board_appraiser"}),
    ]],
    ("plan", "forward", "in_appraisal", {"board_appraiser"}),
    ("plan", "approve", "awaiting_chairman", {"chairman"}),
    ("plan", "chairman_return", "awaiting_chairman", {"chairman"}),
    ("dossier", "complete_appraisal", "in_appraisal", {"board_appraiser"}),
    ("dossier", "reject", "in_appraisal", {"board_appraiser"}),
    ("decision", "submit", "drafting", {"board_appraiser"}),
    ("decision", "board_return", "awaiting_board_head", {"board_head"}),
    ("decision", "sign_proposal", "awaiting_board_head", {"board_head"}),
    ("decision", "chairman_return", "awaiting_chairman", {"chairman"}),
    ("decision", "approve", "awaiting_chairman", {"chairman"}),
    ("decision", "issue", "approved", {"office_clerk"}),
    ("registration", "submit", "draft", {"unit_staff"}),
    ("registration", "submit", "returned", {"unit_staff"}),
    ("registration", "head_return", "awaiting_head", {"unit_head"}),
    ("registration", "sign_off", "awaiting_head", {"unit_head"}),
    ("registration", "receive", "submitted", {"board_appraiser"}),
    ("registration", "return_to_unit", "submitted", {"board_appraiser"}),
]

# Fired by a decision's own steps, never by hand (DESIGN.md §3, Dossier back half).
SYSTEM = [
    ("dossier", "include", "appraised"),
    ("dossier", "exclude", "in_proposal"),
    ("dossier", "decide", "in_proposal"),
]

COMMENT_REQUIRED = {
    ("plan", "head_return"), ("plan", "return_to_unit"), ("plan", "chairman_return"),
    ("dossier", "head_return"), ("dossier", "return_to_unit"), ("dossier", "reject"),
    ("decision", "board_return"), ("decision", "chairman_return"),
    ("registration", "head_return"), ("registration", "return_to_unit"),
}

# Who can see an item at all (of the own unit, for unit-scoped roles): DESIGN.md §2.
# Unit people see their unit's plans and dossiers, and a campaign once it is launched;
# a decision only once it is issued. The Office sees campaigns and decisions, the admin
# only campaigns (reference data), never a unit's submissions.
_SUBMISSION_READERS = {"unit_staff", "unit_head", "board_appraiser", "board_head", "chairman"}
_DECISION_READERS = {"board_appraiser", "board_head", "chairman", "office_clerk"}


def sees(kind, state, role):
    if kind == "campaign":
        return state != "draft" or role not in ("unit_staff", "unit_head")
    if kind in ("plan", "dossier", "registration"):
        return role in _SUBMISSION_READERS
    if kind == "decision":
        return role in _DECISION_READERS or (
            state == "issued" and role in ("unit_staff", "unit_head"))
    raise AssertionError(kind)


HOME_UNIT = {  # where a person holding just this role sits
    "unit_staff": "SYT", "unit_head": "SYT", "board_appraiser": "SNV", "board_head": "SNV",
    "chairman": "UBND", "office_clerk": "VP", "admin": "SNV",
}
REASON = "Lý do kiểm thử phân quyền"
LABELS = {  # how a refusal names the role that may act
    "unit_staff": "Cán bộ thi đua – khen thưởng đơn vị",
    "unit_head": "Thủ trưởng đơn vị",
    "board_appraiser": "Chuyên viên Ban Thi đua – Khen thưởng",
    "board_head": "Lãnh đạo Ban Thi đua – Khen thưởng",
    "chairman": "Chủ tịch / Phó Chủ tịch UBND",
    "office_clerk": "Văn thư",
}


def _row_id(row):
    kind, trigger, source, _ = row
    return f"{kind}-{trigger}-from-{source}"


# -- the tables are the definition --------------------------------------------------------


def test_matrix_equals_the_workflow_definitions():
    declared = {
        (name, step.trigger, source, frozenset(step.roles))
        for name, process in PROCESSES.items()
        for step in process.steps if not step.system
        for source in step.source
    }
    written = {(kind, trigger, source, frozenset(roles)) for kind, trigger, source, roles in MATRIX}
    assert len(written) == len(MATRIX) == 33
    assert written == declared


def test_system_steps_equal_the_workflow_definitions():
    declared = {(name, step.trigger, source)
                for name, process in PROCESSES.items()
                for step in process.steps if step.system for source in step.source}
    assert declared == set(SYSTEM)
    for kind, trigger, source in SYSTEM:
        assert PROCESSES[kind].step(trigger, source).roles == frozenset()


def test_comment_rules_equal_the_workflow_definitions():
    declared = {(name, s.trigger) for name, p in PROCESSES.items() for s in p.steps if s.comment}
    assert declared == COMMENT_REQUIRED


def test_roles_are_the_canonical_seven():
    assert tuple(ROLES) == ALL_ROLES


# -- building items in any state ------------------------------------------------------------


def single_role_user(world, role, unit_code=None):
    """A fresh account holding exactly ``role``, in ``unit_code`` (default: the role's home)."""
    unit_code = unit_code or HOME_UNIT[role]
    username = f"solo_{role}_{unit_code.lower()}"
    user = db.session.scalars(sa.select(User).where(User.username == username)).first()
    if user is None:
        user = User(username=username, full_name=f"Chỉ {role} ({unit_code})",
                    password_hash=PASSWORD_HASH, unit=world.units[unit_code],
                    email=f"{username}@tdkt.test")
        user.set_roles([role])
        db.session.add(user)
        db.session.commit()
    assert user.roles == frozenset({role})
    return user


def _steps(world, kind, item, steps):
    for who, trigger, *comment in steps:
        dest = PROCESSES[kind].step(trigger, item.state).dest
        helpers.fire(world, kind, item, who, trigger, *comment)
        assert item.state == dest
    return item


FRONT_PATH = {
    "draft": [],
    "awaiting_head": [("staff_a", "submit")],
    "submitted": [("staff_a", "submit"), ("head_a", "sign_off")],
    "in_appraisal": [("staff_a", "submit"), ("head_a", "sign_off"),
                     ("appraiser", "start_appraisal")],
}
FRONT_PATH["returned"] = FRONT_PATH["in_appraisal"] + [("appraiser", "return_to_unit", "Bổ sung")]

PLAN_PATH = {
    **FRONT_PATH,
    "awaiting_chairman": FRONT_PATH["in_appraisal"] + [("appraiser", "forward")],
}
PLAN_PATH["approved"] = PLAN_PATH["awaiting_chairman"] + [("chairman", "approve")]

DECISION_PATH = {
    "drafting": [],
    "awaiting_board_head": [("appraiser", "submit")],
}
DECISION_PATH["awaiting_chairman"] = DECISION_PATH["awaiting_board_head"] + [
    ("board_head", "sign_proposal")]
DECISION_PATH["approved"] = DECISION_PATH["awaiting_chairman"] + [("chairman", "approve")]
DECISION_PATH["issued"] = DECISION_PATH["approved"] + [("clerk", "issue")]


def _accept_all(world, dossier):
    for n in dossier.nominees:
        dossiers.set_verdict(world.users["appraiser"], dossier.id, n.id, "accepted")
    db.session.refresh(dossier)


def _decision(world, campaign, state):
    d = helpers.appraised_dossier(world, campaign)
    appraiser = world.users["appraiser"]
    decision = decisions.create_decision(appraiser, {"campaign_id": campaign.id,
                                                     "award_form": "BKCT"})
    decisions.add_nominees(appraiser, decision.id, [n.id for n in d.nominees])
    _steps(world, "decision", decision, DECISION_PATH[state])
    return decision, d


def build(world, kind, state):
    """A real item of ``kind`` in ``state``, with every outgoing guard satisfied."""
    if kind == "registration":
        return _registration(world, state)
    if kind == "campaign":
        campaign = helpers.make_campaign(world, launch=state != "draft")
        if state == "closed":
            helpers.fire(world, "campaign", campaign, "board_head", "close")
        return campaign
    campaign = helpers.make_campaign(world)
    if kind == "plan":
        plan = helpers.complete_plan(world, campaign)
        return _steps(world, "plan", plan, PLAN_PATH[state])
    if kind == "dossier":
        if state in ("in_proposal", "decided"):
            _, d = _decision(world, campaign, "drafting" if state == "in_proposal" else "issued")
            db.session.refresh(d)
            return d
        d = helpers.complete_dossier(world, campaign)
        if state in FRONT_PATH:
            _steps(world, "dossier", d, FRONT_PATH[state])
            if state == "in_appraisal":
                _accept_all(world, d)
            return d
        _steps(world, "dossier", d, FRONT_PATH["in_appraisal"])
        _accept_all(world, d)
        if state == "appraised":
            return _steps(world, "dossier", d, [("appraiser", "complete_appraisal")])
        if state == "rejected":
            return _steps(world, "dossier", d, [("appraiser", "reject", "Không đạt")])
    if kind == "decision":
        decision, _ = _decision(world, campaign, state)
        return decision
    raise AssertionError((kind, state))


REGISTRATION_PATH = {
    "draft": [],
    "awaiting_head": [("staff_a", "submit")],
    "submitted": [("staff_a", "submit"), ("head_a", "sign_off")],
}
REGISTRATION_PATH["returned"] = REGISTRATION_PATH["submitted"] + [
    ("appraiser", "return_to_unit", "Bổ sung")]
REGISTRATION_PATH["received"] = REGISTRATION_PATH["submitted"] + [("appraiser", "receive")]


def _registration(world, state):
    """SYT's registration for a regular year, written (its guards hold), in ``state``."""
    from app.models import Registration
    from app.services import registrations

    year = helpers.make_year(world)
    reg = helpers.unit_item(Registration, year, "SYT")
    registrations.update_registration(world.users["staff_a"], reg.id,
                                      {"entries": helpers.REGISTRATION_ENTRIES}, reg.version)
    db.session.refresh(reg)
    return _steps(world, "registration", reg, REGISTRATION_PATH[state])


def _fingerprint(kind, item):
    db.session.expire_all()
    item = db.session.get(workflow.KINDS[kind].model, item.id)
    events = db.session.scalar(sa.select(sa.func.count(WorkflowEvent.id)))
    outbox = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)))
    return item.state, item.version, events, outbox


def _events(kind, item):
    return db.session.scalars(
        sa.select(WorkflowEvent)
        .where(WorkflowEvent.item_type == kind, WorkflowEvent.item_id == item.id)
        .order_by(WorkflowEvent.id)).all()


# -- the matrix ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("row", MATRIX, ids=_row_id)
def test_only_the_designed_roles_may_fire(world, row, role):
    kind, trigger, source, allowed = row
    item = build(world, kind, source)
    assert item.state == source
    user = single_role_user(world, role)
    comment = REASON if (kind, trigger) in COMMENT_REQUIRED else None
    before = _fingerprint(kind, item)
    events_before = len(_events(kind, item))

    if role in allowed:
        moved = workflow.perform(kind, item.id, user, trigger, version=before[1], comment=comment)
        dest = PROCESSES[kind].step(trigger, source).dest
        assert moved.state == dest
        assert moved.version > before[1]  # numbering steps flush twice
        events = _events(kind, item)
        assert len(events) == events_before + 1
        event = events[-1]
        assert (event.trigger, event.role, event.actor_id, event.from_state, event.to_state,
                event.comment) == (trigger, role, user.id, source, dest, comment)
        return

    expected = Forbidden if sees(kind, source, role) else NotFound
    with pytest.raises((Forbidden, NotFound)) as refused:
        workflow.perform(kind, item.id, user, trigger, version=before[1], comment=comment)
    assert type(refused.value) is expected, refused.value.message
    if expected is Forbidden:
        (needed,) = allowed
        scope = " của đơn vị liên quan" if needed in ("unit_staff", "unit_head") else ""
        assert refused.value.status == 403
        if needed == "office_clerk":  # the Văn thư of the issuing body: named by her office
            label = PROCESSES[kind].step(trigger, source).label
            assert refused.value.message == (f"Chỉ Văn thư của {world.units['VP'].name} mới "
                                             f"được thực hiện «{label}».")
        else:
            assert refused.value.message == (f"Chỉ {LABELS[needed]}{scope} mới được thực "
                                             "hiện bước này.")
    else:
        assert refused.value.status == 404
        assert refused.value.message == workflow.KINDS[kind].not_found
    assert _fingerprint(kind, item) == before


UNIT_ROWS = [row for row in MATRIX if row[0] in ("plan", "dossier")]


@pytest.mark.parametrize("role", ["unit_staff", "unit_head"])
@pytest.mark.parametrize("row", UNIT_ROWS, ids=_row_id)
def test_unit_people_of_another_unit_get_not_found(world, row, role):
    kind, trigger, source, _ = row
    item = build(world, kind, source)  # SYT's item
    other = single_role_user(world, role, "PDK")
    comment = REASON if (kind, trigger) in COMMENT_REQUIRED else None
    before = _fingerprint(kind, item)
    with pytest.raises(NotFound) as refused:
        workflow.perform(kind, item.id, other, trigger, version=before[1], comment=comment)
    assert refused.value.message == workflow.KINDS[kind].not_found
    assert _fingerprint(kind, item) == before


@pytest.mark.parametrize("row", SYSTEM, ids=lambda r: f"{r[0]}-{r[1]}-from-{r[2]}")
def test_system_triggers_are_refused_for_everyone(world, row):
    """One item, every role in turn: a refusal changes nothing, so the item stays put."""
    kind, trigger, source = row
    item = build(world, kind, source)
    assert item.state == source
    got, expected = {}, {}
    for role in ALL_ROLES:
        user = single_role_user(world, role)
        before = _fingerprint(kind, item)  # the new account is no event or outbox row
        try:
            workflow.perform(kind, item.id, user, trigger, version=before[1], comment=REASON)
        except (Forbidden, NotFound) as refused:
            got[role] = (type(refused).__name__, refused.message)
        else:
            got[role] = ("fired", None)
        expected[role] = (
            ("Forbidden", "Bước này do hệ thống thực hiện khi xử lý quyết định khen thưởng.")
            if sees(kind, source, role) else ("NotFound", workflow.KINDS[kind].not_found))
        assert _fingerprint(kind, item) == before, role
    assert got == expected


# -- what the screens offer ----------------------------------------------------------------

STATES = [(kind, state) for kind, process in PROCESSES.items() for state in process.states]


@pytest.mark.parametrize("kind,state", STATES, ids=[f"{k}-{s}" for k, s in STATES])
def test_actions_list_exactly_what_each_role_may_fire(world, kind, state):
    """For every role, the offered actions are exactly the matrix's, all allowed."""
    item = build(world, kind, state)
    assert item.state == state
    got, expected = {}, {}
    for role in ALL_ROLES:
        user = single_role_user(world, role)
        expected[role] = sorted(
            (trigger, PROCESSES[kind].step(trigger, state).dest,
             (kind, trigger) in COMMENT_REQUIRED, True, ())
            for k, trigger, source, allowed in MATRIX
            if k == kind and source == state and role in allowed)
        got[role] = sorted((a.trigger, a.to_state, a.comment_required, a.allowed, a.reasons)
                           for a in workflow.actions(kind, item, user))
    assert got == expected


def test_the_actions_matrix_walks_every_state():
    per_process = {}
    for kind, _ in STATES:
        per_process[kind] = per_process.get(kind, 0) + 1
    assert per_process == {"campaign": 3, "plan": 7, "dossier": 9, "decision": 5,
                           "registration": 5}


@pytest.mark.parametrize("kind", ["plan", "dossier"])
@pytest.mark.parametrize("state,role", [("draft", "unit_staff"), ("returned", "unit_staff"),
                                        ("awaiting_head", "unit_head"),
                                        ("submitted", "unit_head")])
def test_actions_of_another_units_people_are_never_allowed(world, kind, state, role):
    item = build(world, kind, state)
    other = single_role_user(world, role, "PDK")
    label = LABELS[role]
    expected = sorted(
        (trigger, False, (f"Chỉ {label} của đơn vị liên quan mới được thực hiện bước này.",))
        for k, trigger, source, allowed in MATRIX
        if k == kind and source == state and role in allowed)
    assert expected  # every one of these states has a step for this role
    got = sorted((a.trigger, a.allowed, a.reasons) for a in workflow.actions(kind, item, other))
    assert got == expected


def test_a_user_with_several_roles_acts_in_the_one_the_step_needs(world):
    """Roles combine: a Board member holding both Board roles appraises as the appraiser."""
    item = build(world, "dossier", "submitted")
    both = single_role_user(world, "board_appraiser")
    both.set_roles(["board_appraiser", "board_head"])
    db.session.commit()
    workflow.perform("dossier", item.id, both, "start_appraisal", version=item.version)
    assert _events("dossier", item)[-1].role == "board_appraiser"
    offered = {a.trigger: a for a in workflow.actions("dossier", item, both)}
    assert sorted(offered) == ["complete_appraisal", "reject", "return_to_unit"]
    assert offered["reject"].allowed and offered["return_to_unit"].allowed
    # no verdicts yet: complete_appraisal is offered, but blocked with the guard's reason
    assert not offered["complete_appraisal"].allowed
    assert offered["complete_appraisal"].reasons[0].startswith(
        "Chưa hoàn thành thẩm định: chưa có ý kiến thẩm định cho ")
