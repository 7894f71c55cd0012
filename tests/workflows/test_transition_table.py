"""The golden table: every (source, trigger, dest) of DESIGN.md §3, and nothing else.

These tests run without Flask or a database: workflows/ is the readable spec.
"""
import pytest
from transitions.core import MachineError

from workflows import CAMPAIGN, DECISION, DOSSIER, PLAN, PROCESSES, StepRefused
from workflows.engine import Flow

FRONT = [
    ("draft", "submit", "awaiting_head"),
    ("returned", "submit", "awaiting_head"),
    ("awaiting_head", "head_return", "draft"),
    ("awaiting_head", "sign_off", "submitted"),
    ("submitted", "withdraw", "draft"),
    ("submitted", "start_appraisal", "in_appraisal"),
    ("in_appraisal", "return_to_unit", "returned"),
]

GOLDEN = {
    "campaign": [
        ("draft", "launch", "launched"),
        ("launched", "close", "closed"),
    ],
    "plan": FRONT + [
        ("in_appraisal", "forward", "awaiting_chairman"),
        ("awaiting_chairman", "approve", "approved"),
        ("awaiting_chairman", "chairman_return", "in_appraisal"),
    ],
    "dossier": FRONT + [
        ("in_appraisal", "complete_appraisal", "appraised"),
        ("in_appraisal", "reject", "rejected"),
        ("appraised", "include", "in_proposal"),
        ("in_proposal", "exclude", "appraised"),
        ("in_proposal", "decide", "decided"),
    ],
    # a unit's registration for a regular year: signed by its head, received by the Board
    "registration": [
        ("draft", "submit", "awaiting_head"),
        ("returned", "submit", "awaiting_head"),
        ("awaiting_head", "head_return", "draft"),
        ("awaiting_head", "sign_off", "submitted"),
        ("submitted", "receive", "received"),
        ("submitted", "return_to_unit", "returned"),
    ],
    "decision": [
        ("drafting", "submit", "awaiting_board_head"),
        ("awaiting_board_head", "board_return", "drafting"),
        ("awaiting_board_head", "sign_proposal", "awaiting_chairman"),
        ("awaiting_chairman", "chairman_return", "drafting"),
        ("awaiting_chairman", "approve", "approved"),
        ("approved", "issue", "issued"),
    ],
}

ROLES = {
    ("campaign", "launch"): {"board_head"},
    ("campaign", "close"): {"board_head"},
    **{(k, t): r for k in ("plan", "dossier") for t, r in [
        ("submit", {"unit_staff"}), ("head_return", {"unit_head"}),
        ("sign_off", {"unit_head"}), ("withdraw", {"unit_head"}),
        ("start_appraisal", {"board_appraiser"}), ("return_to_unit", {"board_appraiser"})]},
    ("registration", "submit"): {"unit_staff"},
    ("registration", "head_return"): {"unit_head"},
    ("registration", "sign_off"): {"unit_head"},
    ("registration", "receive"): {"board_appraiser"},
    ("registration", "return_to_unit"): {"board_appraiser"},
    ("plan", "forward"): {"board_appraiser"},
    ("plan", "approve"): {"chairman"},
    ("plan", "chairman_return"): {"chairman"},
    ("dossier", "complete_appraisal"): {"board_appraiser"},
    ("dossier", "reject"): {"board_appraiser"},
    ("dossier", "include"): set(),
    ("dossier", "exclude"): set(),
    ("dossier", "decide"): set(),
    ("decision", "submit"): {"board_appraiser"},
    ("decision", "board_return"): {"board_head"},
    ("decision", "sign_proposal"): {"board_head"},
    ("decision", "chairman_return"): {"chairman"},
    ("decision", "approve"): {"chairman"},
    ("decision", "issue"): {"office_clerk"},
}

COMMENT_REQUIRED = {
    ("plan", "head_return"), ("plan", "return_to_unit"), ("plan", "chairman_return"),
    ("dossier", "head_return"), ("dossier", "return_to_unit"), ("dossier", "reject"),
    ("registration", "head_return"), ("registration", "return_to_unit"),
    ("decision", "board_return"), ("decision", "chairman_return"),
}


class _Item:
    def __init__(self, state):
        self.state = state


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_table_matches_design(name):
    assert sorted(PROCESSES[name].table()) == sorted(GOLDEN[name])


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_roles_and_comments_match_design(name):
    process = PROCESSES[name]
    for step in process.steps:
        assert set(step.roles) == ROLES[(name, step.trigger)], step.trigger
        assert step.comment == ((name, step.trigger) in COMMENT_REQUIRED), step.trigger
        assert step.system == (not step.roles), step.trigger


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_every_state_has_a_label_and_is_reachable(name):
    process = PROCESSES[name]
    reached = {process.initial} | {dest for _, _, dest in process.table()}
    assert reached == set(process.states)
    assert all(label.strip() for label in process.states.values())
    assert all(step.label.strip() for step in process.steps)


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_final_states_have_no_way_out(name):
    process = PROCESSES[name]
    for state in process.final:
        assert process.steps_from(state) == []


def test_one_shared_machine_per_kind_binds_no_rows():
    rows = [_Item("awaiting_head") for _ in range(3)]
    for row in rows:
        PLAN.fire(row, "head_return", None)
    assert [r.state for r in rows] == ["draft"] * 3
    assert all(p.machine.models == [] for p in PROCESSES.values())
    # no auto transitions: only the declared triggers exist on the machine
    assert set(DOSSIER.machine.events) == set(DOSSIER.triggers)


def test_fire_moves_the_item_and_refuses_a_wrong_state():
    item = _Item("approved")
    DECISION.fire(item, "issue", None)
    assert item.state == "issued"
    with pytest.raises(StepRefused) as refused:
        DECISION.fire(item, "issue", None)
    assert "Ban hành" in refused.value.reasons[0] and "Đã ban hành" in refused.value.reasons[0]


def test_machine_never_moves_past_a_failed_guard():
    from workflows.facts import DecisionFacts

    item = _Item("drafting")
    with pytest.raises(StepRefused) as refused:
        DECISION.fire(item, "submit", DecisionFacts(nominee_count=0))
    assert item.state == "drafting"
    assert refused.value.reasons == ["Dự thảo quyết định chưa có tập thể, cá nhân nào."]
    DECISION.fire(item, "submit", DecisionFacts(nominee_count=2))
    assert item.state == "awaiting_board_head"


def test_flow_writes_through_to_the_row():
    item = _Item("draft")
    flow = Flow(item)
    flow.state = "launched"
    assert item.state == "launched"
    with pytest.raises(MachineError):
        CAMPAIGN.machine.events["launch"].trigger(Flow(_Item("closed")), step=None, facts=None)


def test_mermaid_is_drawn_from_the_definition():
    text = DOSSIER.mermaid()
    for src, trig, dst in DOSSIER.table():
        assert f"{src} --> {dst}: {trig}" in text
