"""Which body's Văn thư acts is a fact of the process definitions (issue 21 §3): every step
or edit of a body-scoped role names its body, and a definition that forgets it is refused."""
import pytest

from workflows import PROCESSES
from workflows.engine import Edit, Step
from workflows.roles import BODIES, BODY_SCOPED, CLERK


def test_a_clerks_step_or_edit_without_its_body_is_refused_at_definition():
    with pytest.raises(ValueError, match="body"):
        Step("issue", ("approved",), "issued", CLERK, "Ban hành")
    with pytest.raises(ValueError, match="body"):
        Edit(CLERK, frozenset({"issued"}), "in bản giấy", "Không được.")
    with pytest.raises(ValueError, match="unknown body"):
        Step("issue", ("approved",), "issued", CLERK, "Ban hành", body="province")


def test_every_clerks_step_and_edit_names_the_body_whose_clerk_acts():
    named = {}
    for process in PROCESSES.values():
        for step in process.steps:
            if step.roles & BODY_SCOPED:
                named[(process.name, step.trigger)] = step.body
        for name, edit in process.edits.items():
            if edit.roles & BODY_SCOPED:
                named[(process.name, name)] = edit.body
    assert set(named.values()) <= set(BODIES)
    # the decision is issued by its issuing body's Văn thư (the Ủy ban's, in its Văn
    # phòng); its tờ trình sealed by the Board head's body's; a unit's papers by its own
    assert {k: v for k, v in named.items() if k[0] == "decision"} == {
        ("decision", "issue"): "issuer", ("decision", "signed_scan"): "issuer",
        ("decision", "scan_correction"): "issuer", ("decision", "paper_print"): "issuer",
            ("decision", "recall"): "issuer",
        ("decision", "paper_issue"): "proposer"}
    assert named[("plan", "paper_issue")] == named[("dossier", "paper_issue")] == "unit"
