"""Every step on every workflow item takes this one path:

load (scoped, locked) → version check → permission → comment → guards → trigger →
effect → audit event → outbox rows → commit.

Each kind's service module declares one ``Kind``: its process, its table, its facts
builder, its snapshot and the functions that carry out its named effects. Callers pass
that object in; nothing here is looked up in a registry.
"""
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import flag_modified

from app import metrics
from app.clock import now_utc
from app.extensions import db
from app.models import WorkflowEvent
from app.services import audit_chain, documents, isolation, outbox, validation
from app.services.errors import Conflict, Forbidden, Invalid, NotFound
from app.services.paging import paginate
from app.services.permissions import acting_role, refusal, step_refusal, visible
from app.services.tx import on_commit, transaction
from workflows import Edit, Process, StepRefused

# An effect: fn(item, user, role, comment, params, facts), carried out after the state moves
# and before the step's documents are kept (so they print the numbers it takes). ``params``:
# what the person entered with the step (e.g. the number and date the Office gave);
# ``facts``: what the step's guards read, or None for a step without guards (an effect
# that needs them reads them itself), so no fact is read twice in one step.
Effect = Callable[[Any, Any, "str | None", "str | None", Mapping, Any], None]


@dataclass(frozen=True)
class Kind:
    """One kind of workflow item, as the services carry it."""

    process: Process
    model: type
    facts: Callable[[Any], Any]  # item -> the frozen snapshot its guards read
    snapshot: Callable[[Any], dict]  # item -> the content people act on (audit, diffs)
    effects: Mapping[str, Effect]  # the process's named effects
    listed_by: tuple = ()  # the order of its lists (ORDER BY columns)
    # (item, from_state) after any of its steps moves it: tallies kept of its states
    moved: Callable[[Any, str], None] | None = None
    # item -> what a question naming "{number}" and "{date}" says when nothing is typed
    question_fills: Callable[[Any], Mapping[str, str]] | None = None
    # item id -> whether its steps run in a short-lived child process (app.services.isolation):
    # an item so large that a step on it would grow the web worker for good
    isolated: Callable[[Any], bool] | None = None

    def __post_init__(self):
        declared, carried = self.process.effects, set(self.effects)
        if declared != carried:
            raise ValueError(f"{self.name}: effects declared {sorted(declared)}, "
                             f"carried {sorted(carried)}")

    @property
    def name(self) -> str:
        return self.process.name

    @property
    def not_found(self) -> str:
        return f"Không tìm thấy {self.process.label.lower()}."


# -- opening an item ------------------------------------------------------------------------


def load(kind: Kind, item_id, user, *, lock=False):
    """The item if ``user`` may see it; otherwise 404, never its data."""
    model = kind.model
    query = sa.select(model).where(model.id == item_id, visible(user, model))
    if lock:
        # Row lock on PostgreSQL, so a second actor waits and then sees the new version.
        query = query.with_for_update(of=model)
    item = db.session.scalars(query).first()
    if item is None:
        raise NotFound(kind.not_found)
    return item


def check_version(item, version):
    if version is None:
        raise Invalid("Thiếu số phiên bản (version) của mục đang thao tác.", code="version_required")
    if item.version != version:
        raise Conflict(
            "Mục này đã được thay đổi sau khi bạn mở nó. Hãy tải lại và thử lại.",
            details={"current_version": item.version, "your_version": version},
            code="stale_version",
        )


def open_for(kind: Kind, edit: str, item_id, user, version=None, *, versioned=False):
    """Open an item for a change between steps, inside the caller's transaction: load it
    (scoped, row-locked; unseen is a 404 before any 403), check the role, the version
    and that the process allows this edit in the item's state.

    ``versioned``: the caller must send the version it read (edits of the whole content);
    otherwise a version is checked when sent.
    """
    rule: Edit = kind.process.edits[edit]
    item = load(kind, item_id, user, lock=True)
    denied = refusal(user, rule.roles, item, rule.what, rule.body)
    if denied:
        raise Forbidden(denied)
    if versioned or version is not None:
        check_version(item, version)
    if item.state not in rule.states:
        raise Conflict(rule.refused, details={"state": item.state}, code=rule.code)
    return item


def may(kind: Kind, edit: str, user, item) -> bool:
    """Whether ``user`` may make this edit now: what the pages ask before offering it."""
    rule = kind.process.edits[edit]
    return item.state in rule.states and acting_role(user, rule.roles, item,
                                                       rule.body) is not None


def touch(item):
    """Mark an edit of an item's content: bumps its version, so concurrent edits conflict."""
    item.updated_at = now_utc()
    flag_modified(item, "updated_at")  # even when the clock has not moved (frozen in tests)


# -- content and audit ----------------------------------------------------------------------


def _canonical(snapshot) -> str:
    return json.dumps(snapshot, sort_keys=True, ensure_ascii=False, default=str,
                      separators=(",", ":"))


def snapshot(kind: Kind, item) -> dict:
    """The item's content as plain JSON (dates and decimals as strings)."""
    return json.loads(_canonical(kind.snapshot(item)))


def _content(kind: Kind, item) -> dict:
    """The item's snapshot at a step, read without flushing the item itself, so that its
    one UPDATE also carries the new head of its audit chain (not a second UPDATE). Whatever
    else the step changed is flushed first: the snapshot's loads see every other row as
    the step left it."""
    session = db.session
    if any(obj is not item for obj in (*session.new, *session.deleted, *session.dirty)):
        session.flush()
    with session.no_autoflush:
        return snapshot(kind, item)


def _record(kind: Kind, item, user, role, step, from_state, comment, content_sha256=None):
    """Write the audit event and the outbox rows of one step (same transaction)."""
    event = _event(kind, item, user, role, step.trigger, from_state, comment, content_sha256)
    if step.notify:
        db.session.flush()  # its messages name the event; silent ones insert in one batch
        outbox.tell(kind.process, item, event, step, actor=user)
    return event


def record_edit(kind: Kind, edit: str, item, user, comment, extra: Mapping):
    """Record a change made between steps that the history shows (an ``Edit`` with a
    label, opened with ``open_for``): an audit event in the item's chain, its state
    unchanged, named after the edit; ``extra`` (what changed) joins the item's snapshot,
    and so its content hash."""
    rule = kind.process.edits[edit]
    if rule.label is None:
        raise ValueError(f"{kind.name}: edit {edit} is not recorded (no label)")
    role = acting_role(user, rule.roles, item, rule.body)
    return _event(kind, item, user, role, edit, item.state, comment, extra=extra)


def _event(kind: Kind, item, user, role, trigger, from_state, comment, content_sha256=None,
           extra=None):
    snap = _content(kind, item)
    if extra:
        snap = {**snap, **json.loads(_canonical(extra))}
    event = WorkflowEvent(
        item_type=kind.name,
        item_id=item.id,
        actor_id=user.id if user else None,
        role=role,
        trigger=trigger,
        from_state=from_state,
        to_state=item.state,
        comment=comment,
        content_sha256=content_sha256
        or hashlib.sha256(_canonical(snap).encode("utf-8")).hexdigest(),
        snapshot=snap,
        created_at=now_utc(),
    )
    audit_chain.chain_event(event, item)  # the item is held under its lock or version check
    db.session.add(event)
    return event


def _advance(kind: Kind, item, trigger, facts, user, role, comment, params=None):
    """Fire the trigger, carry out its effect, keep its documents and record it: the part
    every step shares."""
    from_state = item.state
    step = kind.process.fire(item, trigger, facts)
    item.state_changed_at = now_utc()
    if kind.moved:
        kind.moved(item, from_state)
    if step.effect:
        # only what the step declares it takes (workflows/: Step.inputs)
        taken = {k: v for k, v in (params or {}).items() if k in step.inputs}
        kind.effects[step.effect](item, user, role, comment, taken, facts)
    kept = documents.keep_final(kind.name, item, step)
    on_commit(lambda: metrics.step_done(kind.name, trigger))  # counted only once it holds
    return _record(kind, item, user, role, step, from_state, comment, kept)


# -- firing ---------------------------------------------------------------------------------


def perform(kind: Kind, item_id, user, trigger, *, version, comment=None, params=None):
    """Fire ``trigger`` on an item as ``user``. The whole use case is one transaction.
    ``params``: what the actor entered with the step, read by its effect; only the inputs
    the step declares (``Step.inputs``) reach it."""
    process = kind.process
    if not process.has_trigger(trigger):
        raise Invalid(
            f"Thao tác «{trigger}» không tồn tại.",
            details={"trigger": trigger, "known": process.triggers},
            code="unknown_trigger",
        )
    if comment is not None:
        comment = validation.one(comment, validation.COMMENT, "comment")
    if kind.isolated is not None and kind.isolated(item_id):
        # the same use case, in a child whose memory goes back when it exits; the item as
        # the child committed it, read here
        performed = isolation.run(_performed_id, kind, item_id, user, trigger, version,
                                  comment, params)
        return db.session.get(kind.model, performed)
    return _perform(kind, item_id, user, trigger, version, comment, params)


def _performed_id(kind: Kind, item_id, user, trigger, version, comment, params):
    return _perform(kind, item_id, user, trigger, version, comment, params).id


def _perform(kind: Kind, item_id, user, trigger, version, comment, params):
    process = kind.process
    with transaction(keep_loaded=True):
        item = load(kind, item_id, user, lock=True)
        check_version(item, version)
        step = process.step(trigger, item.state)
        if step is None:
            raise Conflict(
                f"Không thể thực hiện «{process.trigger_label(trigger)}» khi "
                f"{process.label.lower()} đang ở trạng thái «{process.states[item.state]}».",
                details={"state": item.state},
                code="invalid_state",
            )
        reason = step_refusal(user, step, item)
        if reason:
            raise Forbidden(reason)
        comment = (comment or "").strip() or None
        if step.comment and not comment:
            raise Invalid("Bước này cần ghi rõ lý do.", code="comment_required")
        try:
            facts = kind.facts(item) if step.guards else None  # read only what guards ask
            _advance(kind, item, trigger, facts, user,
                     acting_role(user, step.roles, item, step.body),
                     comment, params)
        except StepRefused as refused:
            raise Invalid(
                refused.reasons[0] if len(refused.reasons) == 1
                else "Chưa đủ điều kiện thực hiện bước này.",
                details={"reasons": refused.reasons},
                code="guard_failed",
            ) from None
    return item


def fire_system(kind: Kind, item, trigger, user, role, comment=None):
    """A step another item's step causes (include/exclude/decide): same audit, no guards,
    inside the caller's transaction."""
    process = kind.process
    step = process.step(trigger, item.state)
    if step is None or not step.system:
        raise Conflict(
            f"{process.label} đang ở trạng thái «{process.states[item.state]}», "
            f"không thể «{process.trigger_label(trigger)}».",
            code="invalid_state",
        )
    return _advance(kind, item, trigger, None, user, role, comment)


# -- reading --------------------------------------------------------------------------------


def listing(kind: Kind, user, *, page=1, per_page=20, **equal):
    """One page of the items of a kind this user may see; ``equal``: column=value filters,
    a None or empty value filtering nothing."""
    model = kind.model
    query = sa.select(model).where(visible(user, model))
    for column, value in equal.items():
        if value:
            query = query.where(getattr(model, column) == value)
    return paginate(query.order_by(*kind.listed_by), page, per_page)


@dataclass(frozen=True)
class Action:
    trigger: str
    label: str
    to_state: str
    comment_required: bool
    confirm: str | None  # the question to ask before firing, or None
    allowed: bool
    reasons: tuple[str, ...]
    tone: str = "forward"  # forward, back (returns the work) or stop (ends it)
    inputs: tuple[str, ...] = ()  # what may be entered with it: number, issued_on, authority
    # The question as the process words it, when it names "{number}" and "{date}": the page
    # fills in what is typed (``confirm`` names the next number and today).
    confirm_template: str | None = None
    reason: str | None = None  # the reason field's label, in the step's words


def actions(kind: Kind, item, user) -> list[Action]:
    """Every step out of the item's state for this user: allowed, or blocked with reasons.

    Steps the user's roles can never take are left out (so is a step of another body's Văn
    thư); steps fired by the system are not shown at all.
    """
    process = kind.process
    facts = fills = None
    result = []
    for step in process.steps_from(item.state):
        if step.system or not (user.roles & step.roles):
            continue
        if step.body and acting_role(user, step.roles, item, step.body) is None:
            continue  # another body's Văn thư's step: never hers to take
        reasons = []
        denied = step_refusal(user, step, item)
        if denied:
            reasons.append(denied)
        if step.guards:
            facts = facts or kind.facts(item)
            reasons += process.reasons(step, facts)
        question, template = step.question, None
        if question and "{" in question and kind.question_fills:
            fills = fills or kind.question_fills(item)
            template, question = question, question.format_map(fills)
        result.append(Action(step.trigger, step.label, step.dest, step.comment, question,
                             not reasons, tuple(reasons), step.tone, step.inputs, template,
                             step.reason))
    return result


def history(kind: Kind, item):
    return db.session.scalars(
        sa.select(WorkflowEvent)
        .where(WorkflowEvent.item_type == kind.name, WorkflowEvent.item_id == item.id)
        .order_by(WorkflowEvent.id)
    ).all()


FIELD_LABELS = {
    "summary": "Báo cáo / mục đích", "sections": "Nội dung hưởng ứng",
    "commitments": "Chỉ tiêu đăng ký", "exemptions": "Chỉ tiêu không áp dụng",
    "results": "Kết quả thực hiện chỉ tiêu",
    "council": "Biên bản họp Hội đồng", "attachments": "Tài liệu đính kèm",
    "name": "tên", "title": "danh xưng", "position_title": "chức vụ",
    "organisation": "đơn vị công tác", "award_form": "hình thức khen thưởng",
    "achievement_summary": "tóm tắt thành tích", "votes_for": "số phiếu", "kind": "loại",
}
_IGNORED = {"verdict", "verdict_reason", "campaign_id", "unit_id", "id"}


def changes_since_last_submission(kind: Kind, item, events):
    """What the unit changed between its previous submission and now, in plain words.

    Read from the content snapshots the audit events keep: nothing to compare before
    a second submission.
    """
    editable = kind.process.editable
    submits = [e for e in events if e.trigger == "submit" and e.snapshot]
    if len(submits) < 2 and not (submits and item.state in editable):
        return []
    before = submits[-2].snapshot if item.state not in editable else submits[-1].snapshot
    now = snapshot(kind, item)
    lines = []
    for key, value in now.items():
        if key in _IGNORED or key == "nominees" or before.get(key) == value:
            continue
        lines.append(f"Đã sửa: {FIELD_LABELS.get(key, key)}.")
    if "nominees" in now:
        old = {n["id"]: n for n in before.get("nominees", [])}
        new = {n["id"]: n for n in now["nominees"]}
        for nid in new.keys() - old.keys():
            lines.append(f"Thêm: {new[nid]['name']}.")
        for nid in old.keys() - new.keys():
            lines.append(f"Bỏ: {old[nid]['name']}.")
        for nid in new.keys() & old.keys():
            fields = [FIELD_LABELS.get(k, k) for k, v in new[nid].items()
                      if k not in _IGNORED and old[nid].get(k) != v]
            if fields:
                lines.append(f"Sửa {new[nid]['name']}: {', '.join(fields)}.")
    return lines
