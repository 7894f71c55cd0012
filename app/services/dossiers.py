"""Dossiers (hồ sơ đề nghị khen thưởng): results, the council's vote, nominees, papers,
and the Board's verdict on each nominee."""
import unicodedata
from decimal import Decimal

import sqlalchemy as sa

from app.clock import now_utc, today
from app.extensions import db
from app.models import (
    NOMINEE_KINDS,
    VERDICTS,
    Attachment,
    AwardForm,
    Dossier,
    DossierResult,
    Nominee,
    Plan,
    PlanCommitment,
    Registration,
    RegistrationEntry,
    Unit,
)
from app.services import (
    decision_queue,
    documents,
    esigning,
    names,
    reference,
    registers,
    spreadsheets,
    steps,
    storage,
    targets,
    validation,
)
from app.services.errors import Invalid, NotFound
from app.services.figures import merge_figures
from app.services.tx import on_rollback, transaction
from workflows import DOSSIER, PLAN, appraisal_checklist
from workflows.dossier import GENERATED_PAPERS, PROPOSING
from workflows.facts import DossierFacts, NomineeFacts
from workflows.guards import is_late, vote_share
from workflows.registration import REGISTRATION_SENT
from workflows.submission import UNSENT

__all__ = ["NOMINEE_KINDS", "VERDICTS",  # the vocabulary the API's schemas speak
           "vote_share"]  # the share the guards judge, as the pages show it

COUNCIL_FIELDS = ("summary", "council_meeting_date", "council_members_total",
                  "council_members_present", "council_chair", "council_secretary",
                  # the minutes (biên bản): its number, the meeting's times, members present
                  "council_minutes_number", "council_minutes_symbol", "council_started_at",
                  "council_ended_at", "council_members")
NOMINEE_FIELDS = ("kind", "name", "title", "position_title", "organisation",
                  "achievement_summary", "votes_for")


def identity_key(kind, name, organisation) -> str:
    """Same subject, whatever the spacing, case or Unicode form it was typed in."""
    def norm(s):
        return " ".join(unicodedata.normalize("NFC", s or "").casefold().split())
    return f"{kind}|{norm(name)}|{norm(organisation)}"


def subject_key(unit, kind, name, organisation) -> str:
    """The identity key of a subject a unit writes (a nominee of its dossier, an entry of
    its registration). The unit itself — a collective named as the unit, its organisation
    left empty, the natural way to write it — is keyed with organisation = the unit's name,
    as the cluster's proposal writes the Cờ's nominee (clusters.propose) and so its award
    record: the unit's own titles keep one key whichever way they were entered. Any other
    subject is keyed as typed."""
    if (kind == "collective" and not (organisation or "").strip()
            and identity_key(kind, name, "") == identity_key(kind, unit.name, "")):
        organisation = unit.name
    return identity_key(kind, name, organisation)


def _content(data) -> dict:
    """The dossier's own fields checked, the same for the page and the API: «Số biên bản»
    is a number or a number with its ký hiệu ("12/BB-HĐTĐKT"), kept as the two."""
    data = dict(data)
    minutes = None
    if "council_minutes_number" in data:
        minutes = validation.minutes_number(data.pop("council_minutes_number"))
    out = validation.check(data, validation.DOSSIER)
    if minutes is not None:
        out["council_minutes_number"], out["council_minutes_symbol"] = minutes
    return out


def update_dossier(user, dossier_id, data, version):
    data = _content(data)
    with transaction():
        dossier = steps.open_for(KIND, "content", dossier_id, user, version, versioned=True)
        for key in COUNCIL_FIELDS:
            if key in data:
                setattr(dossier, key, data[key])
        _check_meeting_times(dossier)
        if "results" in data:
            merge_figures(dossier.results, dossier.campaign, _applying(dossier, data["results"]),
                          DossierResult)
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


def _apply_nominee(dossier, nominee, data, forms=None):
    """``forms``: {code: award form} already looked up in this action, so a save of every
    nominee looks each form up once, not once per nominee."""
    for key in NOMINEE_FIELDS:
        if key in data:
            setattr(nominee, key, data[key])
    if "award_form" in data:
        forms = {} if forms is None else forms
        if data["award_form"] not in forms:
            forms[data["award_form"]] = reference.award_form(data["award_form"], today())
        nominee.award_form = forms[data["award_form"]]
    subject = nominee.award_form.subject_kind
    if subject not in ("both", nominee.kind):
        kind_label = "tập thể" if subject == "collective" else "cá nhân"
        raise Invalid(f"«{nominee.award_form.name}» chỉ dành cho {kind_label}.",
                      details={"award_form": [f"Chỉ dành cho {kind_label}."]},
                      code="award_form_subject")
    if nominee.kind == "collective":
        nominee.title = ""
    nominee.identity_key = subject_key(dossier.unit, nominee.kind, nominee.name,
                                       nominee.organisation)
    nominee.search_key = names.search_key(nominee.name)


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


def _prefixed(errors, prefix, error):
    """File ``error``'s problems under ``prefix``: one field gets the whole message."""
    fields = {path: [m for m in messages if isinstance(m, str)]
              for path, messages in error.details.items() if isinstance(messages, list)}
    if len(fields) == 1:
        fields = {next(iter(fields)): [error.message]}
    for path, messages in (fields or {"_": [error.message]}).items():
        errors.setdefault(prefix + path, []).extend(messages or [error.message])


def _checked(data, rules, prefix, errors):
    try:
        return validation.check(data, rules)
    except Invalid as error:
        _prefixed(errors, prefix, error)
        return None


def _checked_draft(changes):
    """The drafting page's changes checked, nothing written: the problems by place, and the
    values as they would be stored."""
    errors = {}
    try:
        content = _content(changes.get("content", {}))
    except Invalid as error:
        _prefixed(errors, "", error)
        content = None
    results = []
    for spec in changes.get("results", ()):
        checked = _checked({"value": spec["value"], "note": spec.get("note", "")},
                           validation.FIGURES.rules, f"results.{spec['target_id']}.", errors)
        if checked is not None:
            results.append({"target_id": spec["target_id"], **checked})
    edits = {}
    for nominee_id, data in changes.get("nominees", {}).items():
        edits[nominee_id] = _checked(data, validation.NOMINEE, f"nominee.{nominee_id}.", errors)
        if data.get("kind") not in NOMINEE_KINDS:
            errors.setdefault(f"nominee.{nominee_id}.kind", []).append(
                "Chọn tập thể hoặc cá nhân.")
    new = changes.get("new_nominee")
    if new is not None:
        if not (new.get("name") or "").strip():
            errors.setdefault("new.name", []).append("Nhập tên tập thể hoặc họ tên cá nhân.")
        if new.get("kind") not in NOMINEE_KINDS:
            errors.setdefault("new.kind", []).append("Chọn tập thể hoặc cá nhân.")
        new = _checked(new, validation.NOMINEE, "new.", errors)
    return errors, content, results, edits, new


def draft_problems(changes) -> dict:
    """Every problem ``save_draft`` would refuse ``changes`` for, by place, nothing written:
    the page shows them all at once, even when it found some of its own first."""
    return _checked_draft(changes)[0]


def save_draft(user, dossier_id, changes, version, also=None):
    """Everything the drafting page sends at once, in one transaction: the dossier's own
    fields, every nominee's edits, the files' kinds, at most one removal, a new nominee and
    a new file. All of it is checked before anything is written, and every problem is
    reported with its place (``results.<target>.value``, ``nominee.<id>.<field>``,
    ``new.<field>``, ``upload.<field>``), so the page can show it beside its field and keep
    everything that was typed. ``also(dossier)``: a further change in the same transaction
    (an Excel list, app/services/imports.py); its refusal is filed under ``import.file``."""
    errors, content, results, edits, new = _checked_draft(changes)
    if errors:
        first = next(iter(errors.values()))[0]
        raise Invalid(f"Chưa lưu: {first}", details=errors, code="invalid_input")
    removed_nominee = changes.get("remove_nominee")
    removed_attachment = changes.get("remove_attachment")
    upload = changes.get("upload")
    gone = []
    per_dossier, per_nominee = reference.attachment_requirements(today())
    with transaction():
        dossier = steps.open_for(KIND, "content", dossier_id, user, version, versioned=True)
        for key in COUNCIL_FIELDS:
            if key in content:
                setattr(dossier, key, content[key])
        try:
            _check_meeting_times(dossier)
        except Invalid as error:
            _prefixed(errors, "", error)
        merge_figures(dossier.results, dossier.campaign, _applying(dossier, results),
                      DossierResult)
        # looked up by id once: the page sends every nominee and every file
        nominees = {n.id: n for n in dossier.nominees}
        files = {a.id: a for a in dossier.attachments}
        forms = {}

        def listed(found, key, message):
            if key not in found:
                raise NotFound(message)
            return found[key]

        for nominee_id, data in edits.items():
            nominee = listed(nominees, nominee_id, "Không tìm thấy tập thể, cá nhân trong hồ sơ.")
            try:
                _apply_nominee(dossier, nominee, data, forms)
            except Invalid as error:
                _prefixed(errors, f"nominee.{nominee_id}.", error)
        for attachment_id, spec in changes.get("attachments", {}).items():
            attachment = listed(files, attachment_id, "Không tìm thấy tài liệu đính kèm.")
            nominee_id = spec.get("nominee_id")
            if nominee_id is not None:
                listed(nominees, nominee_id, "Không tìm thấy tập thể, cá nhân trong hồ sơ.")
            known = per_nominee if nominee_id is not None else per_dossier
            if spec["kind"] not in known and spec["kind"] != "other":
                errors.setdefault(f"attachment.{attachment_id}.kind", []).append(
                    "Loại tài liệu không hợp với nơi gắn (hồ sơ chung hay người được đề nghị).")
                continue
            attachment.kind, attachment.nominee_id = spec["kind"], nominee_id
        if new is not None:
            nominee = Nominee(campaign_id=dossier.campaign_id, position=max(
                (n.position for n in dossier.nominees), default=0) + 1)
            try:
                _apply_nominee(dossier, nominee, new, forms)
            except Invalid as error:
                _prefixed(errors, "new.", error)
            else:
                dossier.nominees.append(nominee)
        if upload is not None:
            nominee_id = upload.get("nominee_id")
            if nominee_id is not None:
                _nominee(dossier, nominee_id)
            known = per_nominee if nominee_id is not None else per_dossier
            if upload["kind"] not in known and upload["kind"] != "other":
                errors.setdefault("upload.kind", []).append(
                    "Loại tài liệu không hợp với nơi gắn (hồ sơ chung hay người được đề nghị).")
            elif not errors:
                try:
                    name, _ext, content_type, size, sha, key = storage.save_upload(
                        upload["file"].stream, upload["file"].filename or "")
                except Invalid as error:
                    _prefixed(errors, "upload.", error)
                else:
                    on_rollback(lambda: storage.remove(key))
                    dossier.attachments.append(Attachment(
                        kind=upload["kind"], nominee_id=nominee_id, filename=name,
                        content_type=content_type, size=size, sha256=sha, storage_key=key,
                        uploaded_by_id=user.id))
        if also is not None and not errors:
            try:
                also(dossier)
            except Invalid as error:
                errors["import.file"] = spreadsheets.problem_lines(error)
        if errors:  # nothing is written: the transaction rolls back
            first = next(iter(errors.values()))[0]
            raise Invalid(f"Chưa lưu: {first}", details=errors, code="invalid_input")
        if removed_nominee is not None:
            nominee = _nominee(dossier, removed_nominee)
            gone += [a.storage_key for a in dossier.attachments if a.nominee_id == nominee.id]
            dossier.attachments[:] = [a for a in dossier.attachments
                                      if a.nominee_id != nominee.id]
            dossier.nominees.remove(nominee)
        if removed_attachment is not None:
            attachment = _attachment(dossier, removed_attachment)
            gone.append(attachment.storage_key)
            dossier.attachments.remove(attachment)
        steps.touch(dossier)
    for key in gone:
        storage.remove(key)
    return dossier


def _attachment(dossier, attachment_id):
    for a in dossier.attachments:
        if a.id == attachment_id:
            return a
    raise NotFound("Không tìm thấy tài liệu đính kèm.")


def set_verdict(user, dossier_id, nominee_id, verdict, reason=None, version=None):
    """The Board's finding on one nominee: accepted, or declined with a reason."""
    if reason is not None:
        reason = validation.one(reason, validation.WHY, "reason")
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
        if verdict == "accepted":
            _refuse_blocked(dossier, [nominee.id])
        nominee.verdict, nominee.verdict_reason = verdict, reason
        steps.touch(dossier)
    return nominee


def set_verdicts(user, dossier_id, verdicts, reason=None, version=None):
    """The Board's finding on several nominees at once ({nominee id: verdict}), one reason
    for all the declined ones; all of them or none."""
    if reason is not None:
        reason = validation.one(reason, validation.WHY, "reason")
    reason = (reason or "").strip() or None
    if not verdicts:
        raise Invalid("Chọn ít nhất một tập thể, cá nhân.", code="nothing_selected",
                      details={"nominee_ids": ["Chọn ít nhất một."]})
    unknown = sorted({v for v in verdicts.values() if v not in VERDICTS})
    if unknown:
        raise Invalid(f"Ý kiến thẩm định «{unknown[0]}» không hợp lệ.", code="unknown_verdict",
                      details={"verdict": list(VERDICTS)})
    if "declined" in verdicts.values() and not reason:
        raise Invalid("Cần ghi lý do không đề nghị khen thưởng.", code="comment_required",
                      details={"reason": ["Bắt buộc khi không đề nghị."]})
    with transaction():
        dossier = steps.open_for(KIND, "verdicts", dossier_id, user, version)
        _refuse_blocked(dossier, [i for i, v in verdicts.items() if v == "accepted"])
        for nominee_id, verdict in verdicts.items():
            nominee = _nominee(dossier, nominee_id)
            nominee.verdict = verdict
            nominee.verdict_reason = reason if verdict == "declined" else None
        steps.touch(dossier)
    return dossier


def _refuse_blocked(dossier, nominee_ids):
    """No nominee is accepted while an eligibility rule that blocks is unmet (the rules of
    the day the Board received the dossier, app/services/eligibility.py)."""
    if not nominee_ids:
        return
    from app.services import eligibility  # it reads the nominees this module writes

    found = eligibility.evaluate(None, dossier, nominee_ids)
    refused = {nid: eligibility.blocking(rules) for nid, rules in found.items()}
    refused = {nid: rules for nid, rules in refused.items() if rules}
    if refused:
        names = {n.id: n.name for n in dossier.nominees}
        first_id = min(refused, key=lambda i: names.get(i, ""))
        rule = refused[first_id][0]
        raise Invalid(
            f"Không thể chấp nhận {names.get(first_id, '')}: chưa đủ điều kiện «{rule['label']}»"
            f" ({rule['summary']}).", code="not_eligible",
            details={"nominees": {str(nid): [r["code"] for r in rules]
                                  for nid, rules in refused.items()}})


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


def registered_figures(dossier):
    """{target id: the figure the unit registered in its plan for this campaign}."""
    rows = db.session.execute(
        sa.select(PlanCommitment.target_id, PlanCommitment.value)
        .join(Plan, Plan.id == PlanCommitment.plan_id)
        .where(Plan.campaign_id == dossier.campaign_id, Plan.unit_id == dossier.unit_id)
    ).all()
    return dict(rows)


def _applying(dossier, results):
    """The results given, but for targets the Board did not set for the unit (dropped)."""
    if not results:
        return results
    board = targets.not_applying(dossier.campaign_id, dossier.unit_id)
    return [r for r in results if r["target_id"] not in board]


def exempt_targets(dossier):
    """{target id: why} for the targets the dossier owes no result on: those the Board did
    not set for the unit and those the unit's plan marks «Không áp dụng»."""
    return targets.exempt(dossier.campaign_id, dossier.unit_id)


def requirements():
    """The papers a dossier must carry today: ({code: name} per dossier, per nominee)."""
    return reference.attachment_requirements(today())


def papers(dossier):
    """The required-papers list as the unit reads it: each paper, whether the system makes
    it (from the dossier, under "Văn bản") or it must be uploaded, and whether it is there;
    a nominee's papers once per nominee."""
    per_dossier, per_nominee = requirements()
    have = {(a.kind, a.nominee_id) for a in dossier.attachments}
    out = [{"name": name, "generated": code in GENERATED_PAPERS,
            "document": GENERATED_PAPERS.get(code), "nominee": None,
            "present": code in GENERATED_PAPERS or (code, None) in have}
           for code, name in per_dossier.items()]
    for n in dossier.nominees:
        out += [{"name": name, "generated": False, "document": None, "nominee": n.name,
                 "present": (code, n.id) in have} for code, name in per_nominee.items()]
    return out


def upload_kinds():
    """The kinds of paper a unit uploads: every requirement but those the system makes,
    ({code: name} per dossier, per nominee)."""
    per_dossier, per_nominee = requirements()
    return ({c: n for c, n in per_dossier.items() if c not in GENERATED_PAPERS}, per_nominee)


def get_attachment(user, dossier_id, attachment_id):
    dossier = steps.load(KIND, dossier_id, user)
    for a in dossier.attachments:
        if a.id == attachment_id:
            return a
    raise NotFound("Không tìm thấy tài liệu đính kèm.")


def open_attachment(user, dossier_id, attachment_id):
    """An uploaded paper, for whoever may see its dossier: (attachment, the file opened to
    stream after its SHA-256 is checked, whether a browser may show it inline)."""
    attachment = get_attachment(user, dossier_id, attachment_id)
    return (attachment, storage.open_checked(attachment.storage_key, attachment.sha256),
            attachment.content_type in storage.INLINE_TYPES)


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


def files_by_owner(dossier) -> dict:
    """{nominee id, or None for the dossier's own papers: [attachments]}, in one pass: a
    page that looked up each nominee's files among all of them took seconds at 2,000."""
    out = {}
    for a in dossier.attachments:
        out.setdefault(a.nominee_id, []).append(a)
    return out


def _launch_label(campaign):
    return f"văn bản phát động số {campaign.launch_number}" if campaign.launch_number else None


def _proposed_elsewhere(dossier):
    if not dossier.nominees:
        return {}
    # a subquery, not a list of values: any number of nominees
    keys = sa.select(Nominee.identity_key).where(Nominee.dossier_id == dossier.id)
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


def registered_nominees(dossier) -> dict[int, bool] | None:
    """A regular year's dossier: {nominee id: registered?} for each nominee for a title
    (danh hiệu), matched on its identity key and its title against the entries of the
    unit's registration the Board has; nominees for a Bằng khen or a Giấy khen are never
    checked. None for a movement's dossier. One query."""
    if dossier.campaign.kind != "regular":
        return None
    matched = (sa.select(RegistrationEntry.id)
               .join(Registration, Registration.id == RegistrationEntry.registration_id)
               .where(RegistrationEntry.campaign_id == Nominee.campaign_id,
                      RegistrationEntry.identity_key == Nominee.identity_key,
                      RegistrationEntry.award_form_id == Nominee.award_form_id,
                      Registration.unit_id == dossier.unit_id,
                      Registration.state.in_(REGISTRATION_SENT)).exists())
    rows = db.session.execute(
        sa.select(Nominee.id, matched)
        .join(AwardForm, AwardForm.id == Nominee.award_form_id)
        .where(Nominee.dossier_id == dossier.id, AwardForm.category == "title")).all()
    return {nominee_id: bool(found) for nominee_id, found in rows}


def _unsent_plan(dossier):
    """The unit's plan for the campaign when the Board never got it: its state's label, or
    "" when the unit has none; None once sent (one query). A regular year has none."""
    if dossier.campaign.kind == "regular":
        return None
    state = db.session.scalar(sa.select(Plan.state).where(
        Plan.campaign_id == dossier.campaign_id, Plan.unit_id == dossier.unit_id))
    if state is None:
        return ""
    return PLAN.states[state] if state in UNSENT else None


def dossier_facts(dossier):
    campaign = dossier.campaign
    per_dossier, per_nominee = reference.attachment_requirements(today())
    offered = {f.award_form_id: f for f in campaign.award_forms}
    achieved = {r.target_id: r.value for r in dossier.results}
    exempt = exempt_targets(dossier)
    elsewhere = _proposed_elsewhere(dossier)
    seen = {}
    for n in dossier.nominees:
        seen[n.identity_key] = seen.get(n.identity_key, 0) + 1
    registered = registered_nominees(dossier)
    nominee_files = {}
    for a in dossier.attachments:
        if a.nominee_id is not None:
            nominee_files.setdefault(a.nominee_id, set()).add(a.kind)
    return DossierFacts(
        campaign_state=campaign.state,
        today=today(),
        deadline=campaign.dossier_deadline,
        accepts_late=campaign.accepts_late,
        results={t.label: achieved.get(t.id) for t in campaign.targets if t.id not in exempt},
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
                registered=(registered or {}).get(n.id),
            )
            for n in dossier.nominees
        ),
        attachments=frozenset(a.kind for a in dossier.attachments if a.nominee_id is None),
        required_dossier_attachments={code: name for code, name in per_dossier.items()
                                      if code not in GENERATED_PAPERS},
        required_nominee_attachments=per_nominee,
        quotas={f.award_form.name: f.quota_per_unit for f in campaign.award_forms},
        submitted_late=dossier.late,
        unsent_plan=_unsent_plan(dossier),
        unsent_plan_rule=campaign.unsent_plan,
        regular_year=registered is not None,
        block_unregistered=campaign.block_unregistered,
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
            "minutes_symbol": d.council_minutes_symbol,
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


def _stamp_submission(dossier, user, role, comment, params, facts):
    dossier.submitted_at = now_utc()
    if dossier.rules_date is None:  # received: the eligibility rules of this day apply
        dossier.rules_date = today()
    dossier.late = is_late(facts or dossier_facts(dossier))


def _sign(dossier, user, role, comment, params, facts):
    """The head's signature numbers the tờ trình (…/TTr-{unit}), and the biên bản from its
    council's own register when the unit's data names the council and no number was typed."""
    mode = esigning.paper_mode("dossier", "sign_off", dossier.unit, user)
    if mode == esigning.SEALED:  # the unit's Văn thư numbers it as she issues it
        esigning.check_deferred_numbering(params)
    else:
        documents.take_unit_number(dossier, "to_trinh", "dossier", user, params)
    council = dossier.unit.council_symbol
    if council and dossier.council_minutes_number is None:
        on = dossier.council_meeting_date or dossier.signed_on or today()
        dossier.council_minutes_number = registers.take_number(
            dossier.unit_id, f"BB-{council}", on.year, item=("dossier", dossier.id), user=user)
        dossier.council_minutes_symbol = None  # printed BB-{council}
    dossier.signed_by_id = user.id
    documents.sign("dossier", dossier, ("proposal",), dossier.unit, user, params.get("authority"))
    esigning.sign_papers("dossier", dossier, "sign_off", user, mode, params)


def number_paper(dossier, user, wanted):
    """The unit's Văn thư numbers the tờ trình as she issues it: today, from its register."""
    documents.take_unit_number(dossier, "to_trinh", "dossier", user, {"number": wanted})


def _stamp_appraisal(dossier, user, role, comment, params, facts):
    dossier.appraisal_started_at = now_utc()


KIND = steps.Kind(DOSSIER, Dossier, facts=dossier_facts, snapshot=dossier_snapshot,
                  effects={"stamp_submission": _stamp_submission, "sign": _sign,
                           "stamp_appraisal": _stamp_appraisal},
                  listed_by=(Dossier.campaign_id.desc(), Dossier.id),
                  moved=decision_queue.moved)
