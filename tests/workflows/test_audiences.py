"""Every audience a step names is declared (workflows/roles.py AUDIENCES) and checked when
the process is defined, and every declared one resolves in the outbox: an unknown audience
is a definition error, never a ValueError in production when the step fires."""
from types import SimpleNamespace

import pytest

from app.services import outbox
from workflows import PROCESSES
from workflows.engine import Step
from workflows.roles import AUDIENCES, BOARD


def test_a_step_naming_an_unknown_audience_is_refused_when_defined():
    with pytest.raises(ValueError, match="unknown audiences"):
        Step("submit", ("draft",), "submitted", BOARD, "Gửi", notify=("board_apraiser",))


def test_every_audience_the_processes_name_is_declared():
    named = {a for p in PROCESSES.values() for s in p.steps for a in s.notify}
    assert named and named <= AUDIENCES


@pytest.mark.parametrize("audience", sorted(AUDIENCES))
def test_every_declared_audience_resolves_in_the_outbox(app, audience):
    item = SimpleNamespace(id=1, unit_id=1, created_by_id=1)
    with app.app_context():
        outbox.recipients("decision", item, audience)  # a SELECT, or None for addresses
