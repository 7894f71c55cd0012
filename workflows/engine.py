"""The machinery under the process definitions: steps as data on one shared Machine.

A process is a list of ``Step`` rows. ``Process`` builds one ``transitions.Machine``
for its kind with no model bound (``model=None``): each item is wrapped in a small
``Flow`` for the duration of one trigger, so nothing accumulates per row.

Guards are pure functions ``guard(facts) -> str | None``: ``None`` means the rule
holds, a string is the reason (in Vietnamese, for people) it does not. The same
functions feed the Machine's conditions and the "why can't I?" answers.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from transitions import Machine

from workflows.roles import AUDIENCES, BODIES, BODY_SCOPED

Guard = Callable[[Any], "str | None"]


FORWARD, BACK, STOP = "forward", "back", "stop"
TONES = (FORWARD, BACK, STOP)
# What a person may enter with a step: the number and date the register keeper gave (when
# not the register's next number and today), the quyền hạn the signer signs with, and,
# when the number is left empty, the next number the confirmation named (the step is
# refused if the register has moved on since: nobody issues a number they were not shown).
# signing_request, signature, signed_pdf: the answer of a remote signature (the person's
# token or their CA), finishing a step that answered 202 with a signing request.
INPUTS = ("number", "issued_on", "authority", "expected_number", "expected_issued_on",
          "signing_request", "signature", "signed_pdf")


def _check_body(name, roles, body):
    if body is not None and body not in BODIES:
        raise ValueError(f"{name}: unknown body {body!r}")
    if roles & BODY_SCOPED and body is None:
        raise ValueError(f"{name}: {sorted(roles & BODY_SCOPED)} act for one body: name it "
                         "(body=)")


@dataclass(frozen=True)
class Step:
    """One transition of a process, with everything the rest of the code asks about it."""

    trigger: str
    source: tuple[str, ...]
    dest: str
    roles: frozenset[str]
    label: str  # the button, the history line and the mail subject say this
    guards: tuple[Guard, ...] = ()
    comment: bool = False  # a non-empty reason is required and stored
    # Ask before firing, in the step's own words: what will happen (who gets the item back
    # and in which state, a number taken, a document kept, no way back). A numbering step's
    # question may name "{number}" and "{date}": the ones it will use, filled in from what
    # is typed, else the register's next number and today.
    confirm: str | None = None
    # The label of the reason's field (``comment`` steps): what to write and who reads it.
    reason: str | None = None
    # Which way the step moves the item, so that a button sending work back or ending it
    # never looks like one taking it forward: FORWARD, BACK or STOP.
    tone: str = "forward"
    system: bool = False  # fired by another item's step, never by hand
    optional: bool = False  # may be taken, but nobody's work waits on it (not in the inbox)
    notify: tuple[str, ...] = ()  # audiences told when it fires
    effect: str | None = None  # what the kind does beyond moving the state (services carry it)
    finalizes: tuple[str, ...] = ()  # documents numbered and kept, final from here on
    attaches: tuple[str, ...] = ()  # documents sent with the step's mail
    inputs: tuple[str, ...] = ()  # what the actor may enter with it (INPUTS), all optional
    # The papers the actor signs at this step: digitally when they have a registered
    # certificate (the PDF printed as they open the step; app/services/esigning.py), else
    # on paper, marked «chưa ký số».
    signs: tuple[str, ...] = ()
    # Who then numbers, dates and seals them electronically (NĐ 30 Điều 15, 32): the
    # issuing body's own holder of one of these roles, its Văn thư. A body with none in
    # the system: its papers carry the signer's signature only (not an electronic original).
    # Empty: a later step of the process issues them (the decision's «Ban hành»).
    sealed_by: frozenset[str] = frozenset()
    # Whose holder of a body-scoped role (the Văn thư) may take it: one of BODIES ("issuer":
    # the issuing body's Văn thư issues the decision). Required when ``roles`` name one.
    body: str | None = None

    def __post_init__(self):
        _check_body(self.trigger, self.roles, self.body)
        if self.tone not in TONES:
            raise ValueError(f"{self.trigger}: unknown tone {self.tone!r}")
        unknown = set(self.inputs) - set(INPUTS)
        if unknown:
            raise ValueError(f"{self.trigger}: unknown inputs {sorted(unknown)}")
        unknown = set(self.notify) - AUDIENCES
        if unknown:
            raise ValueError(f"{self.trigger}: unknown audiences {sorted(unknown)}")
        if self.sealed_by and not self.signs:
            raise ValueError(f"{self.trigger}: sealed_by names no paper it signs")
        # A step that hands work back or ends it says so before it fires, and asks for its
        # reason in its own words: never a bare "are you sure?".
        if self.tone != FORWARD and self.comment and not (self.confirm and self.reason):
            raise ValueError(f"{self.trigger}: a return or a refusal needs its confirm and "
                             "reason texts")

    @property
    def question(self) -> str | None:
        """The confirmation asked before the step fires, or None."""
        return self.confirm or None


@dataclass(frozen=True)
class Edit:
    """A change people make to an item between steps: who may make it, and when."""

    roles: frozenset[str]
    states: frozenset[str]
    what: str  # "soạn kế hoạch": completes "Chỉ … mới được …"
    refused: str  # why not, in any other state
    code: str = "not_editable"
    confirm: str | None = None  # asked before each change, when it cannot simply be undone
    # A change recorded in the item's history (an audit event, its state unchanged): the
    # history line says ``label``; ``comment``: a non-empty reason is required and kept.
    label: str | None = None
    comment: bool = False
    # Questions asked before particular changes of this edit, by what is chosen (a nominee
    # «declined»): what will happen, in the process's words; "{name}" is the one it is for.
    questions: Mapping[str, str] = field(default_factory=dict)
    # Whose Văn thư makes it (a body-scoped role): one of BODIES, as ``Step.body``.
    body: str | None = None

    def __post_init__(self):
        _check_body(self.what, self.roles, self.body)


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
        self.reasons: list[str] = []

    @property
    def state(self):
        return getattr(self._item, self._attribute)

    @state.setter
    def state(self, value):
        setattr(self._item, self._attribute, value)


@dataclass
class Process:
    name: str  # the kind's identifier, as the API and the audit log spell it
    collection: str  # its plural, in URLs: /plans/7
    label: str  # "Kế hoạch": the short name on pages
    noun: str  # "kế hoạch hưởng ứng": the full name in sentences and mail
    states: dict[str, str]  # identifier -> Vietnamese label, in process order
    initial: str
    steps: list[Step]
    # The changes people make between steps; "content" is the item's own text and figures,
    # and the states it allows are the item's editable states.
    edits: Mapping[str, Edit]
    documents: Mapping[str, str] = field(default_factory=dict)  # name -> what it is
    final: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self):
        self._by_source = {}
        for step in self.steps:
            for source in step.source:
                if (step.trigger, source) in self._by_source:
                    raise ValueError(f"{self.name}: two steps {step.trigger} from {source}")
                self._by_source[(step.trigger, source)] = step
        self.machine = Machine(
            model=None,
            states=list(self.states),
            initial=self.initial,
            transitions=[{"trigger": s.trigger, "source": list(s.source), "dest": s.dest,
                          "conditions": [self._condition(s)]} for s in self.steps],
            auto_transitions=False,
            send_event=True,
        )
        self.final_states = {name: self._final_from(name) for name in self.documents}
        unknown = {n for s in self.steps for n in (*s.finalizes, *s.attaches)} - set(self.documents)
        if unknown:
            raise ValueError(f"{self.name}: steps name unknown documents {sorted(unknown)}")

    # -- reading the definition -------------------------------------------------

    @property
    def editable(self) -> frozenset[str]:
        """The states in which the item's own content may be changed."""
        return self.edits["content"].states

    @property
    def triggers(self) -> list[str]:
        return list(dict.fromkeys(s.trigger for s in self.steps))

    def step(self, trigger: str, state: str) -> Step | None:
        return self._by_source.get((trigger, state))

    def steps_from(self, state: str) -> list[Step]:
        return [s for s in self.steps if state in s.source]

    def waiting_for(self, role: str) -> list[str]:
        """The states in which the item waits on ``role``: a step of theirs, taken by hand
        and not optional, leaves it."""
        return sorted({src for s in self.steps
                       if role in s.roles and not s.system and not s.optional
                       for src in s.source})

    def has_trigger(self, trigger: str) -> bool:
        return trigger in self.machine.events

    def trigger_label(self, trigger: str) -> str:
        """A step's label; a recorded edit's (its history line) for an edit's name."""
        label = next((s.label for s in self.steps if s.trigger == trigger), None)
        if label is None and trigger in self.edits:
            label = self.edits[trigger].label
        return label or trigger

    @property
    def effects(self) -> set[str]:
        return {s.effect for s in self.steps if s.effect}

    def table(self) -> list[tuple[str, str, str]]:
        """Every (source, trigger, dest) triple: the golden table of the tests."""
        return [(src, s.trigger, s.dest) for s in self.steps for src in s.source]

    def _final_from(self, document: str) -> frozenset[str]:
        """The states in which ``document`` is final: from the step that keeps it on, until
        the item is editable again (a returned item's paper is redone at the next step)."""
        seen: set[str] = set()
        todo = [s.dest for s in self.steps if document in s.finalizes]
        while todo:
            state = todo.pop()
            if state in seen or state in self.editable:
                continue
            seen.add(state)
            todo += [s.dest for s in self.steps_from(state)]
        return frozenset(seen)

    # -- checking and firing ----------------------------------------------------

    @staticmethod
    def reasons(step: Step, facts) -> list[str]:
        return [r for r in (g(facts) for g in step.guards) if r]

    def _condition(self, step: Step):
        def guards_hold(event) -> bool:
            event.model.reasons = self.reasons(step, event.kwargs["facts"])
            return not event.model.reasons
        return guards_hold

    def fire(self, item, trigger: str, facts, attribute="state") -> Step:
        """Move ``item`` by ``trigger`` if the guards hold; raise ``StepRefused`` if not.

        The Machine finds the transition and runs the step's guards, once.
        """
        flow = Flow(item, attribute)
        step = self.step(trigger, flow.state)
        if step is None:
            raise StepRefused(
                [f"Không thể thực hiện «{self.trigger_label(trigger)}» khi "
                 f"{self.label.lower()} đang ở trạng thái «{self.states[flow.state]}»."]
            )
        if not self.machine.events[trigger].trigger(flow, facts=facts):
            raise StepRefused(flow.reasons or ["Điều kiện chuyển bước không thỏa mãn."])
        return step

    def mermaid(self) -> str:
        """A state diagram drawn from the definition itself, never by hand: each arrow names
        its trigger, who fires it, and what it keeps, confirms or asks for."""
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial}"]
        for step in self.steps:
            notes = [" ".join(sorted(step.roles)) or "system"]
            if step.comment:
                notes.append("reason")
            if step.confirm:
                notes.append("confirm")
            if step.finalizes:
                notes.append("keeps " + " ".join(step.finalizes))
            if step.effect:
                notes.append(f"effect {step.effect}")
            lines += [f"    {src} --> {step.dest}: {step.trigger} ({', '.join(notes)})"
                      for src in step.source]
        lines += [f"    {s} --> [*]" for s in sorted(self.final)]
        return "\n".join(lines)

    def describe(self) -> str:
        """The whole definition as plain text: states, then every step with all its facts."""
        lines = [f"{self.label} ({self.name}): {self.noun}", "", "States:"]
        for state, label in self.states.items():
            marks = [m for m, on in (("initial", state == self.initial),
                                     ("editable", state in self.editable),
                                     ("final", state in self.final)) if on]
            lines.append(f"  {state:<20} {label}" + (f"  [{', '.join(marks)}]" if marks else ""))
        lines += ["", "Steps:"]
        for s in self.steps:
            lines.append(f"  {s.trigger}: {' | '.join(s.source)} -> {s.dest}  «{s.label}»")
            facts = {
                "roles": ", ".join(sorted(s.roles)) or "system (fired by another item's step)",
                "acting for the body": s.body or "",
                "guards": ", ".join(g.__name__ for g in s.guards),
                "reason required": "yes" if s.comment else "",
                "confirmation": s.question or "",
                "optional": "yes" if s.optional else "",
                "effect": s.effect or "",
                "keeps documents": ", ".join(s.finalizes),
                "signs (digitally with a certificate)": ", ".join(s.signs),
                "numbered and sealed by the body's own": ", ".join(sorted(s.sealed_by)),
                "mail attaches": ", ".join(s.attaches),
                "notifies": ", ".join(s.notify),
            }
            lines += [f"      {k}: {v}" for k, v in facts.items() if v]
        lines += ["", "Edits between steps:"]
        for name, edit in self.edits.items():
            lines.append(f"  {name}: {', '.join(sorted(edit.roles))} in "
                         f"{', '.join(s for s in self.states if s in edit.states)}")
            facts = {"acting for the body": edit.body or "",
                     "recorded in the history as": f"«{edit.label}»" if edit.label else "",
                     "reason required": "yes" if edit.comment else "",
                     "confirmation": edit.confirm or ""}
            lines += [f"      {k}: {v}" for k, v in facts.items() if v]
        if self.documents:
            lines += ["", "Documents:"]
            for name, label in self.documents.items():
                final = [s for s in self.states if s in self.final_states[name]]
                lines.append(f"  {name}: {label} (final in {', '.join(final)})")
        return "\n".join(lines)
