"""What the rest of the code reads off a process definition: labels, confirmations,
editable states, documents and the states they are final in, effects. No Flask, no
database."""
import pytest

from workflows import CAMPAIGN, DECISION, DOSSIER, PLAN, PROCESSES, Edit, Process, Step
from workflows.roles import ROLES, STAFF, UNIT_SCOPED

SUBMITTED_ON = ("submitted", "in_appraisal")

# The papers each item carries, and the states in which its kept copy is the final one.
FINAL_IN = {
    ("campaign", "launch"): {"launched", "closed"},
    ("plan", "plan"): {*SUBMITTED_ON, "awaiting_chairman", "approved"},
    ("dossier", "proposal"): {*SUBMITTED_ON, "appraised", "rejected", "in_proposal", "decided"},
    ("dossier", "minutes"): {*SUBMITTED_ON, "appraised", "rejected", "in_proposal", "decided"},
    ("decision", "proposal"): {"awaiting_chairman", "approved", "issued"},
    ("decision", "decision"): {"issued"},
    ("decision", "certificates"): {"issued"},
    ("registration", "registration"): {"submitted", "received"},
}

# Steps that ask before they fire: every step that needs a reason, and every step that
# ends something (launch, close, approve, reject, issue).
CONFIRMED = {
    ("campaign", "launch"), ("campaign", "close"),
    ("plan", "head_return"), ("plan", "sign_off"), ("plan", "return_to_unit"), ("plan", "withdraw"),
    ("plan", "approve"), ("plan", "chairman_return"),
    ("dossier", "head_return"), ("dossier", "sign_off"), ("dossier", "return_to_unit"),
    ("dossier", "withdraw"),
    ("dossier", "complete_appraisal"), ("dossier", "reject"),
    ("decision", "board_return"), ("decision", "sign_proposal"), ("decision", "chairman_return"),
    ("decision", "approve"), ("decision", "issue"),
    ("registration", "head_return"), ("registration", "sign_off"),
    ("registration", "receive"), ("registration", "return_to_unit"),
}


def test_documents_are_final_in_the_states_the_design_says():
    derived = {(kind, name): set(process.final_states[name])
               for kind, process in PROCESSES.items() for name in process.documents}
    assert derived == FINAL_IN


def test_each_document_is_kept_by_exactly_one_step_and_attached_where_declared():
    for kind, process in PROCESSES.items():
        for name in process.documents:
            keepers = [s.trigger for s in process.steps if name in s.finalizes]
            assert len(keepers) == 1, (kind, name, keepers)
    attached = {(k, s.trigger, n) for k, p in PROCESSES.items() for s in p.steps
                for n in s.attaches}
    assert attached == {("decision", "issue", "decision")}


def test_confirmations_and_their_words():
    asked = {(k, s.trigger) for k, p in PROCESSES.items() for s in p.steps if s.confirm}
    assert asked == CONFIRMED
    # the issue names the number and date it will use (the page fills them in)
    assert DECISION.step("issue", "approved").question.startswith(
        "Ban hành quyết định số {number}, ngày {date}: hệ thống sẽ ghi số và ngày này")
    # a return, a refusal or a decline says who gets the item back and in which state, and
    # asks for its reason in its own words (never a bare "Xác nhận: …?")
    head_return = DOSSIER.step("head_return", "awaiting_head")
    assert head_return.question.startswith(
        "Trả lại để chỉnh sửa: hồ sơ về lại cán bộ soạn thảo của đơn vị, ở trạng thái «Đang soạn»")
    assert head_return.reason.startswith("Lý do trả lại")
    assert PLAN.step("return_to_unit", "in_appraisal").question.startswith(
        "Trả lại đơn vị: kế hoạch về lại đơn vị, ở trạng thái «Trả lại đơn vị»")
    for kind, process in PROCESSES.items():
        for s in process.steps:
            if s.tone != "forward" and not s.system:
                assert s.question and "Xác nhận" not in s.question, (kind, s.trigger)
                state = process.states[s.dest]
                assert f"«{state}»" in s.question or "kết thúc" in s.question.lower(), (kind, s.trigger)
                assert not s.comment or s.reason.startswith("Lý do"), (kind, s.trigger)
    assert "{name}" in DOSSIER.edits["verdicts"].questions["declined"]
    with pytest.raises(ValueError, match="confirm and reason"):
        Step("x", ("a",), "b", STAFF, "Trả lại", comment=True, tone="back", confirm="Trả lại?")
    assert PLAN.step("submit", "draft").question is None
    assert Step("x", ("a",), "b", STAFF, "Làm", confirm="Chắc chắn?").question == "Chắc chắn?"


def test_editable_states_and_edits():
    assert PLAN.editable == DOSSIER.editable == frozenset({"draft", "returned"})
    assert CAMPAIGN.editable == frozenset({"draft"})
    assert DECISION.editable == frozenset({"drafting"})
    assert DOSSIER.edits["verdicts"].states == frozenset({"in_appraisal"})
    assert DECISION.edits["strikes"].roles == frozenset({"chairman"})
    assert "issued" not in DECISION.edits["recipients"].states
    # after issue the scan changes only by a recorded correction, with a reason
    assert DECISION.edits["signed_scan"].states == frozenset({"approved"})
    correction = DECISION.edits["scan_correction"]
    assert correction.states == frozenset({"issued"}) and correction.comment
    assert correction.confirm.endswith("Tiếp tục?")
    assert DECISION.trigger_label("scan_correction") == "Thay bản chụp đã ký"
    for process in PROCESSES.values():
        for edit in process.edits.values():
            assert edit.states <= set(process.states) and edit.roles <= set(ROLES)
            assert edit.what.strip() and edit.refused.strip()


def test_labels_and_names():
    assert [(p.name, p.collection, p.label) for p in PROCESSES.values()] == [
        ("campaign", "campaigns", "Phong trào"), ("plan", "plans", "Kế hoạch"),
        ("dossier", "dossiers", "Hồ sơ"), ("decision", "decisions", "Quyết định"),
        ("registration", "registrations", "Đăng ký thi đua")]
    assert PLAN.trigger_label("sign_off") == "Ký duyệt, gửi Ban TĐKT"
    assert DECISION.trigger_label("submit") == "Trình lãnh đạo Ban"
    assert UNIT_SCOPED == frozenset({"unit_staff", "unit_head"})


def test_effects_are_named_on_their_steps():
    assert CAMPAIGN.effects == {"open_unit_items", "stamp_close"}
    assert PLAN.effects == {"stamp_submission", "sign"}
    assert DOSSIER.effects == {"stamp_submission", "sign", "stamp_appraisal"}
    assert DECISION.effects == {"number_proposal", "clear_proposal", "stamp_approval", "issue"}


def test_waiting_for_reads_the_steps():
    assert PLAN.waiting_for("board_appraiser") == ["in_appraisal", "submitted"]
    assert PLAN.waiting_for("unit_head") == ["awaiting_head"]  # withdraw is optional
    assert DOSSIER.waiting_for("chairman") == []  # include/exclude/decide are the system's


class _Item:
    def __init__(self, state):
        self.state = state


def test_guards_run_once_per_fire():
    calls = []

    def counted(facts):
        calls.append(facts)
        return None

    process = Process(
        name="t", collection="ts", label="Thử", noun="thử", initial="a",
        states={"a": "A", "b": "B"}, edits={"content": Edit(STAFF, frozenset({"a"}), "sửa", "Không")},
        steps=[Step("go", ("a",), "b", STAFF, "Đi", guards=(counted,))])
    process.fire(_Item("a"), "go", "facts")
    assert calls == ["facts"]


def test_a_definition_naming_an_unknown_document_is_refused():
    with pytest.raises(ValueError, match="unknown documents"):
        Process(name="t", collection="ts", label="Thử", noun="thử", initial="a",
                states={"a": "A", "b": "B"},
                edits={"content": Edit(STAFF, frozenset({"a"}), "sửa", "Không")},
                steps=[Step("go", ("a",), "b", STAFF, "Đi", finalizes=("paper",))])


def test_describe_names_everything_a_reader_asks():
    text = DOSSIER.describe()
    for fragment in ("sign_off: awaiting_head -> submitted  «Ký duyệt, gửi Ban TĐKT»",
                     "keeps documents: proposal, minutes", "effect: stamp_appraisal",
                     "confirmation: Không chấp nhận hồ sơ: hồ sơ kết thúc tại đây",
                     "guards: every_nominee_has_verdict, some_nominee_accepted",
                     "verdicts: board_appraiser in in_appraisal",
                     "notifies: drafter, unit_head"):
        assert fragment in text, fragment


def test_every_step_that_numbers_issues_ends_or_cannot_be_undone_says_what_will_happen():
    """A step keeping documents (a number taken), ending the item, or ending appraisal asks
    in its own words; a step sending work back or ending it never looks like going on."""
    from workflows.engine import BACK, FORWARD, STOP

    for kind, process in PROCESSES.items():
        for step in process.steps:
            if step.system:
                continue
            if step.finalizes or step.dest in process.final or step.trigger in (
                    "complete_appraisal",):
                assert isinstance(step.confirm, str) and step.question.endswith("Tiếp tục?"), (
                    kind, step.trigger)
            if "return" in step.trigger or step.trigger == "withdraw":
                assert step.tone == BACK, (kind, step.trigger)
            elif step.trigger in ("reject", "close"):
                assert step.tone == STOP, (kind, step.trigger)
            else:
                assert step.tone == FORWARD, (kind, step.trigger)
    assert DECISION.edits["strikes"].confirm.startswith("Loại khỏi danh sách")
    with pytest.raises(ValueError):
        Step("x", ("a",), "b", STAFF, "Làm", tone="blue")
