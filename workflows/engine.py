"""The machinery under the process definitions: steps as data on one shared Machine.

A process is a list of ``Step`` rows. ``Process`` builds one ``transitions.Machine``
for its kind with no model bound (``model=None``): each item is wrapped in a small
``Flow`` for the duration of one trigger, so nothing accumulates per row.

Guards are pure functions ``guard(facts) -> str | None``: ``None`` means the rule
holds, a string is the reason (in Vietnamese, for people) it does not. The same
functions feed the Machine's conditions and the "why can't I?" answers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from transitions import Machine

Guard = Callable[[Any], "str | None"]


@dataclass(frozen=True)
class Step:
    """One transition of a process, as data."""

    trigger: str
    source: tuple[str, ...]
    dest: str
    roles: frozenset[str]
    guards: tuple[Guard, ...] = ()
    comment: bool = False  # a non-empty reason is required and stored
    system: bool = False  # fired by another item's step, never by hand
    optional: bool = False  # may be taken, but nobody's work waits on it (not in the inbox)
    notify: tuple[str, ...] = ()  # audiences told when it fires (see notifications)

    def as_transition(self, condition) -> dict:
        return {
            "trigger": self.trigger,
            "source": list(self.source),
            "dest": self.dest,
            "conditions": [condition],
        }


class StepRefused(Exception):
    """The guards refused a step; ``reasons`` says why, one entry per failed rule."""

    def __init__(self, reasons):
        super().__init__("; ".join(reasons))
        self.reasons = list(reasons)


class Flow:
    """Wraps a stored item for one trigger: the row only stores the state."""

    def __init__(self, item, attribute="state"):
        self._item = item
        self._attribute = attribute

    @property
    def state(self):
        return getattr(self._item, self._attribute)

    @state.setter
    def state(self, value):
        setattr(self._item, self._attribute, value)


@dataclass
class Process:
    name: str
    label: str
    states: dict[str, str]  # identifier -> Vietnamese label, in process order
    initial: str
    steps: list[Step]
    final: frozenset[str] = field(default_factory=frozenset)
    trigger_labels: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        self.machine = Machine(
            model=None,
            states=list(self.states),
            initial=self.initial,
            transitions=[s.as_transition(self._guards_hold) for s in self.steps],
            auto_transitions=False,
            send_event=True,
        )

    # -- reading the definition -------------------------------------------------

    @property
    def triggers(self) -> list[str]:
        seen = []
        for s in self.steps:
            if s.trigger not in seen:
                seen.append(s.trigger)
        return seen

    def step(self, trigger: str, state: str) -> Step | None:
        for s in self.steps:
            if s.trigger == trigger and state in s.source:
                return s
        return None

    def steps_from(self, state: str) -> list[Step]:
        return [s for s in self.steps if state in s.source]

    def has_trigger(self, trigger: str) -> bool:
        return any(s.trigger == trigger for s in self.steps)

    def table(self) -> list[tuple[str, str, str]]:
        """Every (source, trigger, dest) triple: the golden table of the tests."""
        return [(src, s.trigger, s.dest) for s in self.steps for src in s.source]

    # -- checking and firing ----------------------------------------------------

    @staticmethod
    def reasons(step: Step, facts) -> list[str]:
        return [r for r in (g(facts) for g in step.guards) if r]

    @staticmethod
    def _guards_hold(event) -> bool:
        step, facts = event.kwargs["step"], event.kwargs["facts"]
        return not Process.reasons(step, facts)

    def fire(self, item, trigger: str, facts, attribute="state") -> Step:
        """Move ``item`` by ``trigger`` if the guards hold; raise ``StepRefused`` if not."""
        flow = Flow(item, attribute)
        step = self.step(trigger, flow.state)
        if step is None:
            raise StepRefused(
                [f"Không thể thực hiện «{self.trigger_label(trigger)}» khi "
                 f"{self.label.lower()} đang ở trạng thái «{self.states[flow.state]}»."]
            )
        reasons = self.reasons(step, facts)
        if reasons or not self.machine.events[trigger].trigger(flow, step=step, facts=facts):
            raise StepRefused(reasons or ["Điều kiện chuyển bước không thỏa mãn."])
        return step

    def trigger_label(self, trigger: str) -> str:
        return self.trigger_labels.get(trigger, trigger)

    def mermaid(self) -> str:
        """A state diagram drawn from the definition itself, never by hand."""
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial}"]
        lines += [f"    {src} --> {dst}: {trig}" for src, trig, dst in self.table()]
        lines += [f"    {s} --> [*]" for s in sorted(self.final)]
        return "\n".join(lines)
