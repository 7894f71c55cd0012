"""The decision queue: per campaign and award form, the accepted nominees of appraised
dossiers that no decision holds yet ("hồ sơ đã thẩm định chờ lập dự thảo quyết định").

It is a tally (table decision_queue), not a count made on every read: the appraiser's home
page shows it, and at ten times a province counting it read 150,000 nominees per page.
What moves it is few and named: a dossier entering or leaving the decidable states (its
steps, app/services/dossiers.py) and a nominee put into or taken out of a draft
(app/services/decisions.py). Each marks its campaign stale; the campaign is recounted once,
just before that transaction commits, from its own dossiers (ix_dossiers_waiting and the
partial index ix_nominees_undecided), so a step that moves 200 dossiers recounts once.
"""
import sqlalchemy as sa

from app.extensions import db
from app.models import AwardForm, Campaign, Decision, DecisionQueue, Dossier, Nominee
from app.services import tallies
from workflows import DECISION
from workflows.dossier import DECIDABLE

_LOCK_SPACE = 7301  # pg_advisory_xact_lock(space, campaign): one recount of a campaign at a time


def stale(campaign_id):
    """Recount this campaign's tally before the current transaction commits."""
    _pending.add(campaign_id)


def moved(dossier, from_state):
    """A dossier's step: its campaign's tally moves when it enters or leaves DECIDABLE."""
    if (from_state in DECIDABLE) != (dossier.state in DECIDABLE):
        stale(dossier.campaign_id)


def recount(campaign_ids, session=None):
    """Replace the tally of these campaigns with a fresh count, in the caller's transaction
    (one recount of a campaign at a time: tallies.lock)."""
    ids = sorted(set(campaign_ids))
    if not ids:
        return
    session = session or db.session
    tallies.lock(session, _LOCK_SPACE, ids)
    session.execute(sa.delete(DecisionQueue).where(DecisionQueue.campaign_id.in_(ids)))
    per_dossier = (
        sa.select(Dossier.campaign_id, Nominee.award_form_id, Dossier.id.label("dossier_id"),
                  sa.func.count().label("n"))
        .join(Nominee, Nominee.dossier_id == Dossier.id)
        .where(Dossier.state.in_(DECIDABLE), Dossier.campaign_id.in_(ids),
               Nominee.verdict == "accepted", Nominee.decision_id.is_(None))
        .group_by(Dossier.campaign_id, Nominee.award_form_id, Dossier.id)
        .subquery())
    session.execute(sa.insert(DecisionQueue).from_select(
        ["campaign_id", "award_form_id", "nominees", "dossiers"],
        sa.select(per_dossier.c.campaign_id, per_dossier.c.award_form_id,
                  sa.func.sum(per_dossier.c.n), sa.func.count())
        .group_by(per_dossier.c.campaign_id, per_dossier.c.award_form_id)))


def recount_all():
    """Every campaign's tally (after rows were written around the services: a bulk load)."""
    recount(db.session.scalars(sa.select(Campaign.id)).all())


_pending = tallies.Pending("decision_queue", recount)


def rows():
    """The tally with each campaign's title, each award form's code and name and the draft
    already open for them (if any), newest campaign first: one query over a few rows."""
    draft = (sa.select(sa.func.min(Decision.id))
             .where(Decision.campaign_id == DecisionQueue.campaign_id,
                    Decision.award_form_id == DecisionQueue.award_form_id,
                    Decision.state == DECISION.initial)
             .scalar_subquery())
    return db.session.execute(
        sa.select(Campaign.id, Campaign.title, AwardForm.code, AwardForm.name,
                  DecisionQueue.nominees, DecisionQueue.dossiers, draft)
        .select_from(DecisionQueue)
        .join(Campaign, Campaign.id == DecisionQueue.campaign_id)
        .join(AwardForm, AwardForm.id == DecisionQueue.award_form_id)
        .order_by(Campaign.id.desc(), AwardForm.code)).all()
