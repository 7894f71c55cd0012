"""Dossiers (hồ sơ đề nghị khen thưởng): results, the council's vote, nominees, papers,
and the Board's verdict on each nominee."""
import unicodedata
from decimal import Decimal

import sqlalchemy as sa

from app.clock import now_utc, today
from app.extensions import db
from app.models import NOMINEE_KINDS, VERDICTS, Attachment, Dossier, DossierResult, Nominee, Unit
from app.services import documents, reference, steps, storage, validation
from app.services.errors import Invalid, NotFound
from app.services.figures import merge_figures
from app.services.tx import on_rollback, transaction
from workflows import DOSSIER, appraisal_checklist
from workflows.dossier import PROPOSING
from workflows.facts import DossierFacts, NomineeFacts
from workflows.guards import is_late

__all__ = ["NOMINEE_KINDS", "VERDICTS"]  # the vocabulary the API's schemas speak

COUNCIL_FIELDS = ("summary", "council_meeting_date", "council_members_total",
                  "council_members_present", "council_chair", "council_secretary",
                  # the minutes (biên bản): its number, the meeting's times, members present
                  "council_minutes_number", "council_started_at", "council_ended_at",
                  "council_members")
NOMINEE_FIELDS = ("kind", "name", "title", "position_title", "organisation",
                  "achievement_summary", "votes_for")


def identity_key(kind, name, organisation) -> str:
    """Same subject, whatever the spacing, case or Unicode form it was typed in."""
    def norm(s):
        return " ".join(unicodedata.normalize("NFC", s or "").casefold().split())
    return f"{kind}|{norm(name)}|{norm(organisation)}"


def update_dossier(user, dossier_id, data, version):
    data = validation.check(data, validation.DOSSIER)
    with transaction():
        dossier = steps.open_for(KIND, "content", dossier_id, user, version, versioned=True)
        for key in COUNCIL_FIELDS:
            if key in data:
                setattr(dossier, key, data[key])
        _check_meeting_times(dossier)
        if "results" in data:
            merge_figures(dossier.results, dossier.campaign, data["results"], DossierResult)
        steps.touch(dossier)
    return dossier


def _check_meeting_times(dossier):
    """A meeting ends after it starts (both on its one day)."""
    start, end = dossier.council_started_at, dossier.council_ended_at
    if start and end and end <= start:
        message = "Giờ kết thúc cuộc họp phải sau giờ bắt đầu."
        raise Invalid(message, details={"council_ended_at": [message]},
                      code="council_times")


def _nominee(dossier, nominee_id):
    for n in dossier.nominees:
        if n.id == nominee_id:
            return n
    raise NotFound("Không tìm thấy tập thể, cá nhân trong hồ sơ.")


def _apply_nominee(dossier, nominee, data):
    for key in NOMINEE_FIELDS:
        if key in data:
            setattr(nominee, key, data[key])
    if "award_form" in data:
        nominee.award_form = reference.award_form(data["award_form"], today())
    subject = nominee.award_form.subject_kind
    if subject not in ("both", nominee.kind):
        kind_label = "tập thể" if subject == "collective" else "cá nhân"
        raise Invalid(f"«{nominee.award_form.name}» chỉ dành cho {kind_label}.",
                      details={"award_form": [f"Chỉ dành cho {kind_label}."]},
                      code="award_form_subject")
    if nominee.kind == "collective":
        nominee.title = ""
    nominee.identity_key = identity_key(nominee.kind, nominee.name, nominee.organisation)


def add_nominee(user, dossier_id, data, version=None):
    data = validation.check(data, validation.NOMINEE)
    with transaction():
        dossier = steps.open_for(KIND, "content", dossier_id, user, version)
        nominee = Nominee(campaign_id=dossier.campaign_id,
                          position=max((n.position for n in dossier.nominees), default=0) + 1)
        _apply_nominee(dossier, nominee, data)
        dossier.nominees.append(nominee)
        steps.touch(dossier)
    return nominee


def update_nominee(user, dossier_id, nominee_id, data, version=None):
    data = validation.check(data, validation.NOMINEE)
    with transaction():
        dossier = steps.open_for(KIND, "content", dossier_id, user, version)
        nominee = _nominee(dossier, nominee_id)
        _apply_nominee(dossier, nominee, data)
        steps.touch(dossier)
    return nominee


def remove_nominee(user, dossier_id, nominee_id, version=None):
    removed_files = []
    with transaction():
        dossier = steps.open_for(KIND, "content", dossier_id, user, version)
        nominee = _nominee(dossier, nominee_id)
        removed_files = [a.storage_key for a in dossier.attachments if a.nominee_id == nominee.id]
        dossier.attachments[:] = [a for a in dossier.attachments if a.nominee_id != nominee.id]
        dossier.nominees.remove(nominee)
        steps.touch(dossier)
    for key in removed_files:
        storage.remove(key)
    return dossier


def set_verdict(user, dossier_id, nominee_id, verdict, reason=None, version=None):
    """The Board's finding on one nominee: accepted, or declined with a reason."""
    if reason is not None:
        reason = validation.text(reason, "Lý do", validation.REASON, path="reason")
    with transaction():
        dossier = steps.open_for(KIND, "verdicts", dossier_id, user, version)
        nominee = _nominee(dossier, nominee_id)
        if verdict not in VERDICTS:
            raise Invalid(f"Ý kiến thẩm định «{verdict}» không hợp lệ.", code="unknown_verdict",
                          details={"verdict": list(VERDICTS)})
        reason = (reason or "").strip() or None
        if verdict == "declined" and not reason:
            raise Invalid("Cần ghi lý do không đề nghị khen thưởng.", code="comment_required",
                          details={"reason": ["Bắt buộc khi không đề nghị."]})
        nominee.verdict, nominee.verdict_reason = verdict, reason
        steps.touch(dossier)
    return nominee


def add_attachment(user, dossier_id, kind, upload, nominee_id=None, version=None):
    on = today()
    per_dossier, per_nominee = reference.attachment_requirements(on)
    with transaction():
        dossier = steps.open_for(KIND, "content", dossier_id, user, version)
        if nominee_id is not None:
            _nominee(dossier, nominee_id)
        known = per_nominee if nominee_id is not None else per_dossier
        if kind not in known and kind != "other":
            raise Invalid(
                f"Loại tài liệu «{kind}» không hợp lệ.",
                details={"kind": sorted(known) + ["other"]}, code="unknown_kind")
        name, _ext, content_type, size, sha, key = storage.save_upload(
            upload.stream, upload.filename or "")
        on_rollback(lambda: storage.remove(key))  # the row never committed: the file goes too
        attachment = Attachment(kind=kind, nominee_id=nominee_id, filename=name,
                                content_type=content_type, size=size, sha256=sha,
                                storage_key=key, uploaded_by_id=user.id)
        dossier.attachments.append(attachment)
        steps.touch(dossier)
    return attachment


def requirements():
    """The papers a dossier must carry today: ({code: name} per dossier, per nominee)."""
    return reference.attachment_requirements(today())


def get_attachment(user, dossier_id, attachment_id):
    dossier = steps.load(KIND, dossier_id, user)
    for a in dossier.attachments:
        if a.id == attachment_id:
            return a
    raise NotFound("Không tìm thấy tài liệu đính kèm.")


def remove_attachment(user, dossier_id, attachment_id, version=None):
    with transaction():
        dossier = steps.open_for(KIND, "content", dossier_id, user, version)
        attachment = next((a for a in dossier.attachments if a.id == attachment_id), None)
        if attachment is None:
            raise NotFound("Không tìm thấy tài liệu đính kèm.")
        key = attachment.storage_key
        dossier.attachments.remove(attachment)
        steps.touch(dossier)
    storage.remove(key)


def _launch_label(campaign):
    return f"văn bản phát động số {campaign.launch_number}" if campaign.launch_number else None


def _proposed_elsewhere(dossier):
    keys = {n.identity_key for n in dossier.nominees}
    if not keys:
        return {}
    rows = db.session.execute(
        sa.select(Nominee.identity_key, Unit.name)
        .join(Dossier, Dossier.id == Nominee.dossier_id)
        .join(Unit, Unit.id == Dossier.unit_id)
        .where(Nominee.campaign_id == dossier.campaign_id, Nominee.identity_key.in_(keys),
               Nominee.dossier_id != dossier.id, Dossier.state.in_(PROPOSING))
    ).all()
    found = {}
    for key, unit_name in rows:
        found.setdefault(key, set()).add(unit_name)
    return {k: tuple(sorted(v)) for k, v in found.items()}


def dossier_facts(dossier):
    campaign = dossier.campaign
    per_dossier, per_nominee = reference.attachment_requirements(today())
    offered = {f.award_form_id: f for f in campaign.award_forms}
    achieved = {r.target_id: r.value for r in dossier.results}
    elsewhere = _proposed_elsewhere(dossier)
    seen = {}
    for n in dossier.nominees:
        seen[n.identity_key] = seen.get(n.identity_key, 0) + 1
    nominee_files = {}
    for a in dossier.attachments:
        if a.nominee_id is not None:
            nominee_files.setdefault(a.nominee_id, set()).add(a.kind)
    return DossierFacts(
        campaign_state=campaign.state,
        today=today(),
        deadline=campaign.dossier_deadline,
        accepts_late=campaign.accepts_late,
        results={t.label: achieved.get(t.id) for t in campaign.targets},
        council_meeting_date=dossier.council_meeting_date,
        launch_date=campaign.launch_date if campaign.launch_number else None,
        launch_ref=_launch_label(campaign),
        council_members_total=dossier.council_members_total,
        council_members_present=dossier.council_members_present,
        vote_threshold=Decimal(campaign.vote_threshold),
        nominees=tuple(
            NomineeFacts(
                name=n.name, kind=n.kind, award_form=n.award_form.name,
                award_offered=n.award_form_id in offered, votes_for=n.votes_for,
                attachments=frozenset(nominee_files.get(n.id, ())),
                duplicate_in_dossier=seen[n.identity_key] > 1,
                proposed_elsewhere=elsewhere.get(n.identity_key, ()),
                verdict=n.verdict, verdict_reason=n.verdict_reason,
            )
            for n in dossier.nominees
        ),
        attachments=frozenset(a.kind for a in dossier.attachments if a.nominee_id is None),
        required_dossier_attachments=per_dossier,
        required_nominee_attachments=per_nominee,
        quotas={f.award_form.name: f.quota_per_unit for f in campaign.award_forms},
        submitted_late=dossier.late,
    )


def checklist(user, dossier_id):
    dossier = steps.load(KIND, dossier_id, user)
    return dossier, appraisal_checklist(dossier_facts(dossier))


def dossier_snapshot(d):
    return {
        "campaign_id": d.campaign_id,
        "unit_id": d.unit_id,
        "summary": d.summary,
        "council": {
            "meeting_date": d.council_meeting_date,
            "members_total": d.council_members_total,
            "members_present": d.council_members_present,
            "chair": d.council_chair,
            "secretary": d.council_secretary,
            "minutes_number": d.council_minutes_number,
            "started_at": d.council_started_at.isoformat() if d.council_started_at else None,
            "ended_at": d.council_ended_at.isoformat() if d.council_ended_at else None,
            "members": d.council_members,
        },
        "results": {str(r.target_id): [str(r.value), r.note]
                    for r in sorted(d.results, key=lambda r: r.target_id)},
        "nominees": [
            {"id": n.id, "kind": n.kind, "name": n.name, "title": n.title,
             "position_title": n.position_title, "organisation": n.organisation,
             "award_form": n.award_form.code, "achievement_summary": n.achievement_summary,
             "votes_for": n.votes_for, "verdict": n.verdict, "verdict_reason": n.verdict_reason}
            for n in d.nominees
        ],
        "attachments": sorted(
            [[a.kind, a.nominee_id or 0, a.filename, a.sha256] for a in d.attachments],
            key=lambda a: (a[0], a[1], a[2])),
    }


def _stamp_submission(dossier, user, role, comment, params):
    dossier.submitted_at = now_utc()
    dossier.late = is_late(dossier_facts(dossier))


def _sign(dossier, user, role, comment, params):
    """The head's signature numbers the tờ trình (…/TTr-{unit})."""
    documents.take_unit_number(dossier, "to_trinh", "dossier", user, params)
    dossier.signed_by_id = user.id
    documents.sign("dossier", dossier, ("proposal",), dossier.unit, user, params.get("authority"))


def _stamp_appraisal(dossier, user, role, comment, params):
    dossier.appraisal_started_at = now_utc()


KIND = steps.Kind(DOSSIER, Dossier, facts=dossier_facts, snapshot=dossier_snapshot,
                  effects={"stamp_submission": _stamp_submission, "sign": _sign,
                           "stamp_appraisal": _stamp_appraisal},
                  listed_by=(Dossier.campaign_id.desc(), Dossier.id))
