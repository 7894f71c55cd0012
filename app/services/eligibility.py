"""Eligibility as data (issue 24, item 5): the rules for each award form are reference data
(``EligibilityRule``: source, confidence tag, version), each a condition in a small
vocabulary, evaluated in SQL for a whole proposal at once: a fixed number of statements per
rule, whatever the number of nominees. Every verdict carries its evidence: the decisions,
ratings, initiatives and holds it read, and the years.

The vocabulary (``condition`` of a rule; ``kind`` and its parameters):

- ``consecutive_awards`` {forms, years}: one of ``forms`` in each of the ``years`` years
  ending with the proposal's year. Awards of a chuyên đề campaign (a movement) do not count
  for công trạng (ND 152/2025), nor those decided before the end of a discipline period.
- ``ratings`` {ratings, years}: rated one of ``ratings`` in each of those years (after the
  end of any discipline period).
- ``initiatives`` {scopes, min, years}: at least ``min`` initiatives authored, recognised
  in those years at one of ``scopes`` ("unit", "province").
- ``member_share`` {count: {forms | ratings}, members: {ratings}?, percent | min}: of the
  collective's members that year (the people rated under it; ``members.ratings`` narrows
  who counts as a member), those with one of ``count.forms`` that year or rated one of
  ``count.ratings``: exactly ``counted × 100 ≥ percent × members``, or ``counted ≥ min``.
- ``no_hold`` {kinds}: no discipline, inspection or complaint running on the day the Board
  received the dossier.
- ``any_of`` / ``all_of`` {of: [conditions]}: alternatives, or conditions together.

Which version: the one in force on the day the Board received the dossier (kept on it,
``Dossier.rules_date``); a later version marked ``more_favourable`` applies instead to a
nominee it favours (met where the kept one is not).
"""
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from app.clock import today
from app.extensions import db
from app.models import (
    GROUNDS,
    HOLD_KINDS,
    RATINGS,
    SCOPES,
    SEVERITIES,
    AwardForm,
    AwardRecord,
    Campaign,
    EligibilityRule,
    Hold,
    Initiative,
    InitiativeAuthor,
    Nominee,
    YearRating,
)
from app.services import reference
from app.services.permissions import private_results

LEAVES = ("consecutive_awards", "ratings", "initiatives", "member_share", "no_hold")
COMPOSITES = ("any_of", "all_of")
ANY_FORM = "*"

__all__ = ["GROUNDS", "HOLD_KINDS", "RATINGS", "SCOPES", "SEVERITIES"]


def check_condition(condition, where="condition") -> list[str]:
    """What is wrong with a condition, in Vietnamese (empty when it can be evaluated)."""
    if not isinstance(condition, dict) or condition.get("kind") not in LEAVES + COMPOSITES:
        return [f"{where}: loại điều kiện phải là một trong {', '.join(LEAVES + COMPOSITES)}."]
    kind = condition["kind"]
    if kind in COMPOSITES:
        parts = condition.get("of")
        if not isinstance(parts, list) or not parts:
            return [f"{where}: «of» phải là danh sách điều kiện."]
        return [p for i, c in enumerate(parts) for p in check_condition(c, f"{where}.of[{i}]")]
    problems = []
    if kind in ("consecutive_awards", "ratings", "initiatives"):
        if not isinstance(condition.get("years"), int) or condition["years"] < 1:
            problems.append(f"{where}: «years» phải là số năm (≥ 1).")
    if kind == "member_share":
        count = condition.get("count") or {}
        if not (count.get("forms") or count.get("ratings")):
            problems.append(f"{where}: «count» phải có «forms» hoặc «ratings».")
        if ("percent" in condition) == ("min" in condition):
            problems.append(f"{where}: ghi «percent» hoặc «min».")
    return problems


# -- the ground of a proposal ------------------------------------------------------------------


def ground_of(campaign) -> str:
    """"merit" for the year's regular emulation (công trạng), "movement" for a chuyên đề
    campaign: the campaigns of today, whose Bằng khen has no multi-year condition."""
    return "merit" if getattr(campaign, "kind", None) == "regular" else "movement"


def _movement_award():
    """An award of a movement (a chuyên đề campaign): not counted for công trạng."""
    campaign = sa.and_(AwardRecord.campaign_id.is_not(None))
    kind = getattr(Campaign, "kind", None)
    if kind is not None:  # a regular year's campaign gives awards for công trạng
        campaign = sa.exists().where(Campaign.id == AwardRecord.campaign_id,
                                     kind != "regular")
    return campaign


# -- the rules in force -----------------------------------------------------------------------


def rules_for(form_codes, ground, received: date):
    """{rule code: (the version in force on ``received``, [later versions marked more
    favourable, in force today])} for these award forms and this ground."""
    rows = db.session.scalars(
        sa.select(EligibilityRule)
        .where(EligibilityRule.award_form_code.in_([*form_codes, ANY_FORM]),
               EligibilityRule.ground.in_([ground, "any"]))
        .order_by(EligibilityRule.code, EligibilityRule.effective_from)).all()
    now = today()
    out = {}
    for rule in rows:
        if rule.effective_from <= received and (rule.effective_to is None
                                               or rule.effective_to >= received):
            out.setdefault(rule.code, [None, []])[0] = rule
    for rule in rows:
        if rule.code in out and rule.more_favourable and rule.effective_from > received and \
                rule.effective_from <= now and (rule.effective_to is None
                                                or rule.effective_to >= now):
            out[rule.code][1].append(rule)
    return {code: (base, later) for code, (base, later) in out.items()}


def all_rules():
    """Every version of every rule, for the page that lists them."""
    rows = db.session.scalars(sa.select(EligibilityRule).order_by(
        EligibilityRule.award_form_code, EligibilityRule.code,
        EligibilityRule.effective_from)).all()
    names = dict(db.session.execute(
        sa.select(AwardForm.code, AwardForm.name).order_by(AwardForm.effective_from)).all())
    return [{"id": r.id, "code": r.code, "award_form_code": r.award_form_code,
             "award_form_name": names.get(r.award_form_code, "Mọi hình thức"),
             "ground": r.ground, "ground_name": GROUNDS.get(r.ground, r.ground),
             "subject_kind": r.subject_kind, "label": r.label, "condition": r.condition,
             "condition_text": describe(r.condition), "severity": r.severity,
             "severity_name": SEVERITIES.get(r.severity, r.severity),
             "more_favourable": r.more_favourable, "effective_from": r.effective_from,
             "effective_to": r.effective_to, "source_note": r.source_note or "",
             "source_text": reference.source_in_words(r.source_note)}
            for r in rows]


def _forms(codes):
    return ", ".join(codes)


def describe(c) -> str:
    """The condition in Vietnamese words, as the rules page shows it."""
    kind = c.get("kind")
    if kind == "any_of":
        return "Một trong các điều kiện: " + "; HOẶC ".join(describe(x) for x in c["of"])
    if kind == "all_of":
        return "; VÀ ".join(describe(x) for x in c["of"])
    if kind == "consecutive_awards":
        return (f"{c['years']} năm liên tục đến năm xét đều đạt {_forms(c['forms'])} "
                f"(không tính khen thưởng chuyên đề)")
    if kind == "ratings":
        words = " hoặc ".join(RATINGS.get(r, r).lower() for r in c["ratings"])
        return f"{c['years']} năm liên tục đến năm xét đều được đánh giá {words}"
    if kind == "initiatives":
        where = " hoặc ".join(SCOPES.get(s, s).lower() for s in c["scopes"])
        return (f"Có ít nhất {c.get('min', 1)} sáng kiến được công nhận, hiệu quả "
                f"{where}, trong {c['years']} năm đến năm xét")
    if kind == "member_share":
        count = c["count"]
        what = (_forms(count["forms"]) if count.get("forms") else
                " hoặc ".join(RATINGS.get(r, r).lower() for r in count["ratings"]))
        members = (c.get("members") or {}).get("ratings")
        who = ("thành viên được đánh giá " + ", ".join(RATINGS.get(r, r).lower()
                                                      for r in members)
               if members else "thành viên có đánh giá năm xét")
        if "percent" in c:
            return f"Ít nhất {c['percent']}% {who} đạt {what} (tính đúng: số đạt × 100 ≥ " \
                   f"{c['percent']} × số thành viên)"
        return f"Ít nhất {c['min']} {who} đạt {what}"
    if kind == "no_hold":
        return "Không đang bị " + ", ".join(HOLD_KINDS[k].lower() for k in c["kinds"])
    return kind or ""


# -- evaluation ---------------------------------------------------------------------------------


class _Scope:
    """What every leaf reads: the nominees to judge (a subquery, never a list), the year,
    the day the dossier was received, and who looks (for the evidence)."""

    def __init__(self, dossier, user, nominee_ids=None):
        self.dossier, self.user = dossier, user
        # A regular year's proposals are for its own year; a movement's, for the year it ends.
        self.year = dossier.campaign.year or dossier.campaign.period_end.year
        self.received = dossier.rules_date or today()
        self.nominee_ids = nominee_ids

    def nominees(self, rule):
        q = sa.select(Nominee.id, Nominee.identity_key).where(
            Nominee.dossier_id == self.dossier.id)
        if rule.award_form_code != ANY_FORM:
            q = q.where(Nominee.award_form_id.in_(
                sa.select(AwardForm.id).where(AwardForm.code == rule.award_form_code)))
        if rule.subject_kind in ("individual", "collective"):
            q = q.where(Nominee.kind == rule.subject_kind)
        return q.subquery()

    def discipline_end(self):
        """Per subject, the end of its latest discipline period already over."""
        return (sa.select(Hold.identity_key, sa.func.max(Hold.ends_on).label("until"))
                .where(Hold.kind == "discipline", Hold.ends_on.is_not(None),
                       Hold.ends_on < self.received)
                .group_by(Hold.identity_key).subquery())


def _window(scope, years):
    return scope.year - years + 1, scope.year


def _consecutive_awards(scope, n, c):
    first, last = _window(scope, c["years"])
    ended = scope.discipline_end()
    movement = _movement_award()
    counted = sa.and_(sa.not_(movement),
                      sa.or_(ended.c.until.is_(None),
                             AwardRecord.year > sa.extract("year", ended.c.until)))
    base = (sa.select(n.c.id.label("nominee_id"))
            .select_from(n)
            .join(AwardRecord, AwardRecord.identity_key == n.c.identity_key)
            .join(AwardForm, AwardForm.id == AwardRecord.award_form_id)
            .outerjoin(ended, ended.c.identity_key == n.c.identity_key)
            .where(AwardForm.code.in_(c["forms"]), AwardRecord.year.between(first, last)))
    verdict = {r.nominee_id: r.years for r in db.session.execute(
        base.add_columns(sa.func.count(sa.distinct(sa.case((counted, AwardRecord.year))))
                         .label("years")).group_by(n.c.id))}
    evidence = {}
    for r in db.session.execute(base.add_columns(
            AwardRecord.year, AwardRecord.form_name, AwardRecord.decision_number,
            AwardRecord.decided_on, AwardRecord.issuer_name, AwardRecord.id.label("record_id"),
            movement.label("movement"), counted.label("counted"))
            .order_by(AwardRecord.year, AwardRecord.id)):
        why = "" if r.counted else (" — không tính: khen thưởng chuyên đề" if r.movement else
                                     " — không tính: trước khi hết thời hạn kỷ luật")
        evidence.setdefault(r.nominee_id, []).append({
            "what": "award", "year": r.year, "counted": bool(r.counted),
            "record_id": r.record_id, "decision_number": r.decision_number,
            "decided_on": r.decided_on,
            "text": f"{r.form_name} năm {r.year}, Quyết định số {r.decision_number} ngày "
                    f"{r.decided_on:%d/%m/%Y}{f' ({r.issuer_name})' if r.issuer_name else ''}"
                    f"{why}"})
    need = c["years"]
    return {nid: (verdict.get(nid, 0) >= need, f"{verdict.get(nid, 0)}/{need} năm "
                  f"({first}–{last})", evidence.get(nid, [])) for nid in scope.ids}


def _ratings(scope, n, c):
    first, last = _window(scope, c["years"])
    ended = scope.discipline_end()
    counted = sa.and_(YearRating.rating.in_(c["ratings"]),
                      sa.or_(ended.c.until.is_(None),
                             YearRating.year > sa.extract("year", ended.c.until)))
    base = (sa.select(n.c.id.label("nominee_id")).select_from(n)
            .join(YearRating, YearRating.identity_key == n.c.identity_key)
            .outerjoin(ended, ended.c.identity_key == n.c.identity_key)
            .where(YearRating.year.between(first, last)))
    verdict = {r.nominee_id: r.years for r in db.session.execute(
        base.add_columns(sa.func.count(sa.distinct(sa.case((counted, YearRating.year))))
                         .label("years")).group_by(n.c.id))}
    evidence = {}
    for r in db.session.execute(
            base.add_columns(YearRating.year, YearRating.rating, counted.label("counted"))
            .where(private_results(scope.user, YearRating)).order_by(YearRating.year)):
        evidence.setdefault(r.nominee_id, []).append({
            "what": "rating", "year": r.year, "counted": bool(r.counted),
            "text": f"Năm {r.year}: {RATINGS[r.rating].lower()}"})
    need = c["years"]
    return {nid: (verdict.get(nid, 0) >= need, f"{verdict.get(nid, 0)}/{need} năm "
                  f"({first}–{last})", evidence.get(nid, [])) for nid in scope.ids}


def _initiatives(scope, n, c):
    first, last = _window(scope, c["years"])
    scopes = c.get("scopes") or ["unit", "province"]
    base = (sa.select(n.c.id.label("nominee_id")).select_from(n)
            .join(InitiativeAuthor, InitiativeAuthor.identity_key == n.c.identity_key)
            .join(Initiative, Initiative.id == InitiativeAuthor.initiative_id)
            .where(Initiative.year.between(first, last), Initiative.scope.in_(scopes)))
    verdict = {r.nominee_id: r.count for r in db.session.execute(
        base.add_columns(sa.func.count(sa.distinct(Initiative.id)).label("count"))
        .group_by(n.c.id))}
    evidence = {}
    for r in db.session.execute(base.add_columns(
            Initiative.id.label("initiative_id"), Initiative.title, Initiative.year,
            Initiative.scope, Initiative.recognised_by, Initiative.decision_number,
            Initiative.decided_on).order_by(Initiative.year, Initiative.id)):
        evidence.setdefault(r.nominee_id, []).append({
            "what": "initiative", "year": r.year, "counted": True,
            "decision_number": r.decision_number, "decided_on": r.decided_on,
            "text": f"Sáng kiến «{r.title}» ({SCOPES[r.scope].lower()}), {r.recognised_by} "
                    f"công nhận, Quyết định số {r.decision_number} ngày "
                    f"{r.decided_on:%d/%m/%Y}"})
    need = c.get("min", 1)
    return {nid: (verdict.get(nid, 0) >= need, f"{verdict.get(nid, 0)}/{need} sáng kiến "
                  f"({first}–{last})", evidence.get(nid, [])) for nid in scope.ids}


def _member_share(scope, n, c):
    member = aliased(YearRating)
    count = c["count"]
    if count.get("forms"):
        # the members' awards of the year, read once for the proposal's collectives (a
        # semi-join on their members), then joined: no subquery per member
        members_of = sa.select(YearRating.identity_key).where(
            YearRating.year == scope.year,
            YearRating.collective_key.in_(sa.select(n.c.identity_key)))
        awarded = (sa.select(AwardRecord.identity_key, sa.func.min(AwardRecord.id).label("id"))
                   .join(AwardForm, AwardForm.id == AwardRecord.award_form_id)
                   .where(AwardRecord.identity_key.in_(members_of),
                          AwardRecord.year == scope.year, AwardForm.code.in_(count["forms"]),
                          sa.not_(_movement_award()))
                   .group_by(AwardRecord.identity_key).subquery())
        award = awarded.c.id
        counted = award.is_not(None)
    else:
        awarded = None
        award = sa.literal(None, sa.Integer)
        counted = member.rating.in_(count["ratings"])
    base = (sa.select(n.c.id.label("nominee_id")).select_from(n)
            .join(member, sa.and_(member.collective_key == n.c.identity_key,
                                  member.year == scope.year,
                                  member.subject_kind == "individual")))
    if awarded is not None:
        base = base.outerjoin(awarded, awarded.c.identity_key == member.identity_key)
    members = (c.get("members") or {}).get("ratings")
    if members:
        base = base.where(member.rating.in_(members))
    # one statement: each member (the evidence) with its collective's counts beside it,
    # counted in SQL (window sums over the collective), and whether this user sees it
    per = {"partition_by": n.c.id}
    total = sa.func.count(member.id).over(**per)
    got = sa.func.sum(sa.case((counted, 1), else_=0)).over(**per)
    verdict, evidence = {}, {}
    for r in db.session.execute(base.add_columns(
            member.name, member.rating, counted.label("counted"), award.label("record_id"),
            total.label("members"), got.label("got"),
            private_results(scope.user, member).label("shown"))
            .order_by(member.name, member.id)):
        verdict[r.nominee_id] = (r.members, r.got)
        if not r.shown:
            continue
        mark = ""
        if count.get("forms"):
            mark = (" — đạt " if r.counted else " — chưa đạt ") + _forms(count["forms"])
        evidence.setdefault(r.nominee_id, []).append({
            "what": "member", "year": scope.year, "counted": bool(r.counted),
            "record_id": r.record_id, "text": f"{r.name}: {RATINGS[r.rating].lower()}{mark}"})
    out = {}
    for nid in scope.ids:
        total, got = verdict.get(nid, (0, 0))
        got = int(got or 0)
        if "percent" in c:  # exact: no rounding, no floats
            met = total > 0 and got * 100 >= c["percent"] * total
            summary = f"{got}/{total} thành viên (cần ≥ {c['percent']}%)"
        else:
            met = got >= c["min"]
            summary = f"{got} thành viên (cần ≥ {c['min']})"
        out[nid] = (met, summary, evidence.get(nid, []))
    return out


def _no_hold(scope, n, c):
    on = scope.received
    base = (sa.select(n.c.id.label("nominee_id"), Hold.kind, Hold.source_paper,
                      Hold.starts_on, Hold.ends_on).select_from(n)
            .join(Hold, Hold.identity_key == n.c.identity_key)
            .where(Hold.kind.in_(c["kinds"]), Hold.starts_on <= on,
                   sa.or_(Hold.ends_on.is_(None), Hold.ends_on >= on)))
    running = {}
    for r in db.session.execute(base.order_by(Hold.starts_on)):
        running.setdefault(r.nominee_id, []).append({
            "what": "hold", "year": r.starts_on.year, "counted": True,
            "text": f"{HOLD_KINDS[r.kind]} theo {r.source_paper}, từ {r.starts_on:%d/%m/%Y}"
                    f"{f' đến {r.ends_on:%d/%m/%Y}' if r.ends_on else ' (chưa kết thúc)'}"})
    out = {}
    for nid in scope.ids:
        found = running.get(nid, [])
        shown = found if scope.sees_holds else [
            {"what": "hold", "year": None, "counted": True,
             "text": "Đang có vụ việc (chỉ đơn vị và Ban Thi đua – Khen thưởng được xem)"}
            for _ in found]
        out[nid] = (not found, f"ngày {on:%d/%m/%Y}: " + (
            "không có" if not found else f"{len(found)} vụ việc"), shown)
    return out


_LEAVES = {"consecutive_awards": _consecutive_awards, "ratings": _ratings,
           "initiatives": _initiatives, "member_share": _member_share, "no_hold": _no_hold}


def _evaluate(scope, rule, condition):
    """{nominee id: (met, summary, evidence)} for the rule's nominees."""
    kind = condition["kind"]
    if kind in COMPOSITES:
        parts = [_evaluate(scope, rule, c) for c in condition["of"]]
        pick = any if kind == "any_of" else all
        out = {}
        for nid in scope.ids:
            results = [p[nid] for p in parts]
            out[nid] = (pick(r[0] for r in results),
                        (" HOẶC " if kind == "any_of" else " VÀ ").join(
                            f"[{'đạt' if r[0] else 'chưa đạt'}] {r[1]}" for r in results),
                        [e for r in results for e in r[2]])
        return out
    return _LEAVES[kind](scope, scope.nominees(rule), condition)


def evaluate(user, dossier, nominee_ids=None, ground=None) -> dict:
    """{nominee id: [one verdict per rule that applies: met or not, blocks or warns, the
    version applied and its source, and the evidence]} for a whole dossier, in a fixed
    number of statements per rule. ``user`` None: the system (every evidence).
    ``ground``: the proposal's ground when the caller knows it (default: the campaign's)."""
    nominees = db.session.execute(
        sa.select(Nominee.id, Nominee.kind, AwardForm.code)
        .join(AwardForm, AwardForm.id == Nominee.award_form_id)
        .where(Nominee.dossier_id == dossier.id)).all()
    if nominee_ids is not None:
        wanted = set(nominee_ids)
        nominees = [r for r in nominees if r.id in wanted]
    out = {r.id: [] for r in nominees}
    if not nominees:
        return out
    scope = _Scope(dossier, user, nominee_ids)
    scope.sees_holds = user is None or _sees_holds(user, dossier)
    rules = rules_for({r.code for r in nominees}, ground or ground_of(dossier.campaign),
                      scope.received)
    for code, (base, later) in sorted(rules.items()):
        applies = {r.id for r in nominees
                   if base.award_form_code in (ANY_FORM, r.code)
                   and base.subject_kind in ("both", r.kind)}
        if not applies:
            continue
        scope.ids = sorted(applies)
        results = _evaluate(scope, base, base.condition)
        favourable = [(v, _evaluate(scope, v, v.condition)) for v in later]
        for nid in scope.ids:
            rule, (met, summary, evidence) = base, results[nid]
            for version, found in favourable:
                if not met and nid in found and found[nid][0]:
                    rule, (met, summary, evidence) = version, found[nid]
            out[nid].append({
                "code": code, "label": rule.label, "severity": rule.severity,
                "met": met, "summary": summary, "evidence": evidence,
                "version": rule.effective_from, "kept_version": base.effective_from,
                "more_favourable": rule is not base,
                "source_note": rule.source_note or "",
                "condition_text": describe(rule.condition)})
    return out


def _sees_holds(user, dossier) -> bool:
    from workflows.roles import BOARD, UNIT_SCOPED
    return bool(user.roles & BOARD) or bool(user.roles & UNIT_SCOPED
                                            and user.unit_id == dossier.unit_id)


def blocking(results) -> list[dict]:
    """The unmet rules that block, among one nominee's verdicts."""
    return [r for r in results if r["severity"] == "block" and not r["met"]]
