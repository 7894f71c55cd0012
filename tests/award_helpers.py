"""Builders for the award-history tests: decisions issued through the services, and award
records typed in as an import would write them."""
from datetime import date

from app.extensions import db
from app.models import AwardRecord, Decision
from app.services import decisions, dossiers, names, reference
from tests import helpers


def issue(world, campaign, answered, struck=(), award_form="BKCT"):
    """A decision over every accepted nominee of the ``answered`` dossiers, taken through
    submit, sign_proposal, the Chairman's strikes of ``struck`` (names), approve and issue."""
    decision = decisions.create_decision(world.users["appraiser"],
                                         {"campaign_id": campaign.id, "award_form": award_form})
    ids = [n.id for d in answered for n in d.nominees if n.award_form.code == award_form]
    decisions.add_nominees(world.users["appraiser"], decision.id, ids)
    helpers.fire(world, "decision", decision, "appraiser", "submit")
    helpers.fire(world, "decision", decision, "board_head", "sign_proposal")
    db.session.refresh(decision)
    to_strike = [n.id for n in decision.nominees if n.name in struck]
    if to_strike:
        decisions.strike_many(world.users["chairman"], decision.id, to_strike,
                              "Đã được khen thưởng cho thành tích này")
    helpers.fire(world, "decision", decision, "chairman", "approve")
    helpers.fire(world, "decision", decision, "clerk", "issue")
    return db.session.get(Decision, decision.id)


def imported(name, unit, year, form="BKCT", kind="individual", organisation=None,
             number="12/QĐ-UBND", campaign_id=None):
    """An award made outside the system, as the Excel import records it."""
    organisation = unit.name if organisation is None else organisation
    form_row = reference.award_form(form, date(2024, 1, 1))
    record = AwardRecord(
        source="import", subject_kind=kind, name=name, organisation=organisation,
        identity_key=dossiers.identity_key(kind, name, organisation),
        search_key=names.search_key(name), unit_id=unit.id, unit_name=unit.name,
        award_form_id=form_row.id, form_name=form_row.name, decision_number=number,
        decided_on=date(year, 6, 1), year=year, issuer_name="Chủ tịch Ủy ban nhân dân tỉnh Lạng Sơn",
        issuing_level="Cấp tỉnh", campaign_id=campaign_id)
    db.session.add(record)
    db.session.commit()
    return record
