"""Firing a trigger on any workflow item: the one path every step takes.

load (scoped, locked) → version check → permission → comment → guards → trigger →
effects → audit event → outbox rows → commit. Kind-specific facts and effects are
registered by the kind's own service module.
"""
import hashlib
import json
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm.attributes import flag_modified

from app.extensions import db
from app.models import Campaign, Decision, Dossier, Plan, WorkflowEvent
from app.services import notify
from app.services.clock import now_utc
from app.services.errors import Conflict, Forbidden, Invalid, NotFound
from app.services.permissions import acting_role, refusal, visible
from app.services.tx import transaction
from workflows import PROCESSES, StepRefused

MODELS = {"campaign": Campaign, "plan": Plan, "dossier": Dossier, "decision": Decision}
NOT_FOUND = {
    "campaign": "Không tìm thấy phong trào.",
    "plan": "Không tìm thấy kế hoạch.",
    "dossier": "Không tìm thấy hồ sơ.",
    "decision": "Không tìm thấy quyết định.",
}

# kind -> function(item) -> facts snapshot for the guards
FACTS = {}
# kind -> function(item) -> JSON-able dict of the content people act on
SNAPSHOTS = {}
# (kind, trigger) -> function(item, user, role, comment) -> optional content hash override
EFFECTS = {}


def facts_builder(kind):
    def register(fn):
        FACTS[kind] = fn
        return fn
    return register


def snapshot_builder(kind):
    def register(fn):
        SNAPSHOTS[kind] = fn
        return fn
    return register


def effect(kind, trigger):
    def register(fn):
        EFFECTS[(kind, trigger)] = fn
        return fn
    return register


def state_label(kind, state):
    return PROCESSES[kind].states.get(state, state)


def load(kind, item_id, user, *, lock=False):
    """The item if ``user`` may see it; otherwise 404, never its data."""
    model = MODELS[kind]
    query = sa.select(model).where(model.id == item_id, visible(user, model))
    if lock:
        # Row lock on PostgreSQL, so a second actor waits and then sees the new version.
        query = query.with_for_update(of=model)
    item = db.session.scalars(query).first()
    if item is None:
        raise NotFound(NOT_FOUND[kind])
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


def _canonical(snapshot) -> str:
    return json.dumps(snapshot, sort_keys=True, ensure_ascii=False, default=str,
                      separators=(",", ":"))


def content_hash(snapshot) -> str:
    return hashlib.sha256(_canonical(snapshot).encode("utf-8")).hexdigest()


def snapshot(kind, item):
    """The item's content as plain JSON (dates and decimals as strings)."""
    return json.loads(_canonical(SNAPSHOTS[kind](item)))


def record(kind, item, user, role, trigger, from_state, comment, step, content_sha256=None):
    """Write the audit event and the outbox rows of one step (same transaction)."""
    snap = snapshot(kind, item)
    event = WorkflowEvent(
        item_type=kind,
        item_id=item.id,
        actor_id=user.id if user else None,
        role=role,
        trigger=trigger,
        from_state=from_state,
        to_state=item.state,
        comment=comment,
        content_sha256=content_sha256 or content_hash(snap),
        snapshot=snap,
        created_at=now_utc(),
    )
    db.session.add(event)
    db.session.flush()
    notify.enqueue(kind, item, event, step, actor=user)
    return event


def perform(kind, item_id, user, trigger, *, version, comment=None):
    """Fire ``trigger`` on an item as ``user``. The whole use case is one transaction."""
    process = PROCESSES[kind]
    if not process.has_trigger(trigger):
        raise Invalid(
            f"Thao tác «{trigger}» không tồn tại.",
            details={"trigger": trigger, "known": process.triggers},
            code="unknown_trigger",
        )
    with transaction():
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
        reason = refusal(user, step, item)
        if reason:
            raise Forbidden(reason)
        comment = (comment or "").strip() or None
        if step.comment and not comment:
            raise Invalid("Bước này cần ghi rõ lý do.", code="comment_required")
        role = acting_role(user, step, item)
        from_state = item.state
        try:
            process.fire(item, trigger, FACTS[kind](item))
        except StepRefused as refused:
            raise Invalid(
                refused.reasons[0] if len(refused.reasons) == 1
                else "Chưa đủ điều kiện thực hiện bước này.",
                details={"reasons": refused.reasons},
                code="guard_failed",
            ) from None
        item.state_changed_at = now_utc()
        override = None
        if (kind, trigger) in EFFECTS:
            override = EFFECTS[(kind, trigger)](item, user, role, comment)
        record(kind, item, user, role, trigger, from_state, comment, step, override)
    return item


def fire_system(kind, item, trigger, user, role, comment=None):
    """A step another item's step causes (include/exclude/decide): same audit, no guards."""
    process = PROCESSES[kind]
    from_state = item.state
    step = process.step(trigger, from_state)
    if step is None or not step.system:
        raise Conflict(
            f"{process.label} đang ở trạng thái «{process.states[from_state]}», "
            f"không thể «{process.trigger_label(trigger)}».",
            code="invalid_state",
        )
    process.fire(item, trigger, None)
    item.state_changed_at = now_utc()
    return record(kind, item, user, role, trigger, from_state, comment, step)


@dataclass(frozen=True)
class Action:
    trigger: str
    label: str
    to_state: str
    comment_required: bool
    allowed: bool
    reasons: tuple[str, ...]


def actions(kind, item, user) -> list[Action]:
    """Every step out of the item's state for this user: allowed, or blocked with reasons.

    Steps the user's roles can never take are left out; steps fired by the system
    are not shown at all.
    """
    process = PROCESSES[kind]
    facts = None
    result = []
    for step in process.steps_from(item.state):
        if step.system or not (user.roles & step.roles):
            continue
        reasons = []
        denied = refusal(user, step, item)
        if denied:
            reasons.append(denied)
        if step.guards:
            facts = facts or FACTS[kind](item)
            reasons += process.reasons(step, facts)
        result.append(Action(step.trigger, process.trigger_label(step.trigger), step.dest,
                             step.comment, not reasons, tuple(reasons)))
    return result


def history(kind, item):
    return db.session.scalars(
        sa.select(WorkflowEvent)
        .where(WorkflowEvent.item_type == kind, WorkflowEvent.item_id == item.id)
        .order_by(WorkflowEvent.id)
    ).all()


def touch(item):
    """Mark an edit of an item's content: bumps its version, so concurrent edits conflict."""
    item.updated_at = now_utc()
    flag_modified(item, "updated_at")  # even when the clock has not moved (frozen in tests)


FIELD_LABELS = {
    "summary": "Báo cáo / mục đích", "sections": "Nội dung hưởng ứng",
    "commitments": "Chỉ tiêu đăng ký", "results": "Kết quả thực hiện chỉ tiêu",
    "council": "Biên bản họp Hội đồng", "attachments": "Tài liệu đính kèm",
    "name": "tên", "title": "danh xưng", "position_title": "chức vụ",
    "organisation": "đơn vị công tác", "award_form": "hình thức khen thưởng",
    "achievement_summary": "tóm tắt thành tích", "votes_for": "số phiếu", "kind": "loại",
}
_IGNORED = {"verdict", "verdict_reason", "campaign_id", "unit_id", "id"}


def changes_since_last_submission(kind, item, events):
    """What the unit changed between its previous submission and now, in plain words.

    Read from the content snapshots the audit events keep: nothing to compare before
    a second submission.
    """
    submits = [e for e in events if e.trigger == "submit" and e.snapshot]
    if len(submits) < 2 and not (submits and item.state in ("draft", "returned")):
        return []
    before = submits[-2].snapshot if item.state not in ("draft", "returned") else submits[-1].snapshot
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
