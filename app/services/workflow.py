"""The kinds of workflow item by name, as the API, the pages and the CLI name them.

Each kind's service module declares its ``Kind`` (process, table, facts, snapshot,
effects); they are gathered here, explicitly, and every call goes on to app/services/
steps.py with the kind's own object.
"""
from app.services import (
    campaigns,
    decisions,
    dossiers,
    esigning,
    outbox,
    plans,
    registrations,
    steps,
)
from app.services.errors import NotFound

KINDS: dict[str, steps.Kind] = {
    k.name: k for k in (campaigns.KIND, plans.KIND, dossiers.KIND, decisions.KIND,
                        registrations.KIND)}
_BY_COLLECTION = {k.process.collection: k for k in KINDS.values()}


# Who numbers a paper the body's Văn thư issues electronically: each kind's register.
PAPER_NUMBERING = {("plan", "plan"): plans.number_paper,
                   ("dossier", "proposal"): dossiers.number_paper,
                   ("decision", "proposal"): decisions.number_proposal_paper}


def issue_paper(kind, item_id, paper, user, *, number=None, issued_on=None, version=None):
    """The body's Văn thư numbers, dates and seals a paper its signer signed digitally."""
    numberer = PAPER_NUMBERING.get((kind, paper))
    if numberer is None:
        raise NotFound("Văn bản này không do Văn thư cấp số và ký số phát hành.")
    return esigning.issue_paper(KINDS[kind], item_id, paper, user, numberer=numberer,
                                number=number, issued_on=issued_on, version=version)


def signature_panels(kind, item):
    """The signature panel of each paper the item's signing steps sign."""
    return esigning.papers_panel(kind, item)


def open_paper_pdf(kind, item_id, name, user):
    """(body, file name, sha256) of a paper's signing PDF, for whoever may see the item."""
    return esigning.fetch_paper(kind, steps.load(KINDS[kind], item_id, user), name)


def kind_of(collection: str) -> steps.Kind:
    """The kind a URL segment names ("plans" -> plan)."""
    kind = _BY_COLLECTION.get(collection)
    if kind is None:
        raise NotFound()
    return kind


def sent_back(kind, item, history):
    """The step that sent the item back, when that is the last thing that happened to it:
    a step that needs a reason and left the item in its current, unfinished state (a
    return to the unit, to the drafter, to the Board). Its reason belongs at the top of
    the page."""
    if not history:
        return None
    process = KINDS[kind].process
    last = history[-1]
    step = process.step(last.trigger, last.from_state)
    if (step is None or not step.comment or last.to_state != item.state
            or item.state in process.final):
        return None
    return last


def label(kind: str) -> str:
    return KINDS[kind].process.label


def state_label(kind, state):
    return KINDS[kind].process.states.get(state, state)


def listing(kind, user, *, page=1, per_page=20, **equal):
    """One page of a kind's items this user may see, filtered by column=value."""
    return steps.listing(KINDS[kind], user, page=page, per_page=per_page, **equal)


def load(kind, item_id, user):
    return steps.load(KINDS[kind], item_id, user)


def perform(kind, item_id, user, trigger, *, version, comment=None, params=None):
    """Fire ``trigger`` on the item as ``user``: one transaction (see steps.perform)."""
    return steps.perform(KINDS[kind], item_id, user, trigger, version=version, comment=comment,
                         params=params)


def step_inputs(kind, trigger) -> frozenset[str]:
    """What any step of ``trigger`` lets its actor enter (Step.inputs)."""
    return frozenset(i for s in KINDS[kind].process.steps if s.trigger == trigger
                     for i in s.inputs)


def actions(kind, item, user):
    return steps.actions(KINDS[kind], item, user)


def history(kind, item):
    return steps.history(KINDS[kind], item)


def snapshot(kind, item):
    return steps.snapshot(KINDS[kind], item)


def may(kind, edit, user, item) -> bool:
    return steps.may(KINDS[kind], edit, user, item)


def changes_since_last_submission(kind, item, events):
    return steps.changes_since_last_submission(KINDS[kind], item, events)


def deliveries(user, kind, item_id):
    """Who was told about an item, and whether delivery succeeded (item visibility applies)."""
    return outbox.for_item(user, kind, load(kind, item_id, user))


def delivery_summary(user, kind, item):
    """Whether an item's mail went, without addresses or errors, for those who see it."""
    return outbox.delivery_summary(user, kind, item)
