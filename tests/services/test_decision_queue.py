"""The decision queue is a tally the changes keep: after every change that moves it, it
equals a count made from the nominees themselves."""
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AwardForm, Dossier, Nominee
from app.services import decision_queue, decisions
from app.services.errors import NotFound
from app.services.tx import transaction
from tests import helpers
from workflows.dossier import DECIDABLE


def _counted():
    """The queue counted from the rows, as the home page once did on every read."""
    return sorted(db.session.execute(
        sa.select(Dossier.campaign_id, AwardForm.code, sa.func.count(Nominee.id),
                  sa.func.count(sa.distinct(Dossier.id)))
        .join(Nominee, Nominee.dossier_id == Dossier.id)
        .join(AwardForm, AwardForm.id == Nominee.award_form_id)
        .where(Dossier.state.in_(DECIDABLE), Nominee.verdict == "accepted",
               Nominee.decision_id.is_(None))
        .group_by(Dossier.campaign_id, AwardForm.code)).all())


def _tally():
    return sorted((cid, code, n, d) for cid, _t, code, _name, n, d, _draft
                  in decision_queue.rows())


def _same(expected):
    db.session.expire_all()
    assert _tally() == _counted() == expected


def test_the_tally_follows_appraisal_drafts_removals_and_issue(world, campaign):
    appraiser = world.users["appraiser"]
    _same([])
    first = helpers.appraised_dossier(world, campaign)
    _same([(campaign.id, "BKCT", 3, 1)])
    second = helpers.appraised_dossier(world, campaign, unit="PDK", staff="staff_b",
                                       head="head_b")
    _same([(campaign.id, "BKCT", 6, 2)])

    decision = decisions.create_decision(appraiser, {"campaign_id": campaign.id,
                                                     "award_form": "BKCT"})
    ids = [n.id for n in first.nominees]
    decisions.add_nominees(appraiser, decision.id, ids[:2])  # the dossier is in_proposal
    _same([(campaign.id, "BKCT", 4, 2)])
    decisions.add_nominees(appraiser, decision.id, ids[2:])  # its state stays: still moves
    _same([(campaign.id, "BKCT", 3, 1)])
    decisions.remove_nominee(appraiser, decision.id, ids[0])
    _same([(campaign.id, "BKCT", 4, 2)])
    decisions.add_nominees(appraiser, decision.id, [ids[0]] + [n.id for n in second.nominees])
    _same([])
    decisions.remove_nominee(appraiser, decision.id, second.nominees[0].id)
    _same([(campaign.id, "BKCT", 1, 1)])
    decisions.add_nominees(appraiser, decision.id, [second.nominees[0].id])

    for who, trigger in (("appraiser", "submit"), ("board_head", "sign_proposal"),
                         ("chairman", "approve"), ("clerk", "issue")):
        helpers.fire(world, "decision", decision, who, trigger)
    assert {d.state for d in db.session.scalars(sa.select(Dossier).where(
        Dossier.id.in_([first.id, second.id])))} == {"decided"}
    _same([])


def test_a_rolled_back_change_forgets_its_recount(world, campaign):
    """A campaign marked stale by a transaction that fails is not recounted by the next."""
    with pytest.raises(RuntimeError), transaction():
        db.session.get(Dossier, 1)  # a change reads before it marks (the session has begun)
        decision_queue.stale(campaign.id)
        raise RuntimeError("the step failed")
    assert "decision_queue_stale" not in db.session.info
    with pytest.raises(NotFound):  # an unknown nominee refuses the whole call
        decisions.add_nominees(world.users["appraiser"], 10**9, [1])
    _same([])


def test_a_dossier_is_decided_only_when_each_accepted_nominee_is_in_an_issued_decision(
        world, campaign):
    """Issuing one decision leaves a dossier whose other accepted nominees wait for another
    decision open for it; the last one decides it."""
    appraiser = world.users["appraiser"]
    dossier = helpers.appraised_dossier(world, campaign)
    ids = [n.id for n in dossier.nominees]
    first, second = (decisions.create_decision(appraiser, {"campaign_id": campaign.id,
                                                           "award_form": "BKCT"})
                     for _ in range(2))
    decisions.add_nominees(appraiser, first.id, ids[:2])
    for who, trigger in (("appraiser", "submit"), ("board_head", "sign_proposal"),
                         ("chairman", "approve"), ("clerk", "issue")):
        helpers.fire(world, "decision", first, who, trigger)
    db.session.expire_all()
    assert db.session.get(Dossier, dossier.id).state == "in_proposal"
    _same([(campaign.id, "BKCT", 1, 1)])  # still waiting for a decision
    decisions.add_nominees(appraiser, second.id, ids[2:])
    for who, trigger in (("appraiser", "submit"), ("board_head", "sign_proposal"),
                         ("chairman", "approve"), ("clerk", "issue")):
        helpers.fire(world, "decision", second, who, trigger)
    db.session.expire_all()
    assert db.session.get(Dossier, dossier.id).state == "decided"
