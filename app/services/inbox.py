"""Việc cần xử lý: every item waiting for this person's action, a page at a time in SQL.

The items come from a UNION over the kinds, each branch reading its deadline by a join;
the page is ordered and cut inside the union, and only its rows are joined to their
campaign's title and unit's name, so the cost follows the page, not the queue.
"""
import sqlalchemy as sa
import sqlalchemy.orm

from app.extensions import db
from app.models import AwardForm, Campaign, Decision, Dossier, Plan, Unit
from workflows import PROCESSES
from workflows.roles import UNIT_SCOPED


def _waiting(kind, model, user, unit_column):
    """The WHERE clause of the items of ``kind`` waiting for one of the user's roles."""
    clauses = []
    for role in user.roles:
        states = PROCESSES[kind].waiting_for(role)
        if not states:
            continue
        clause = model.state.in_(states)
        if role in UNIT_SCOPED:
            clause = sa.and_(clause, unit_column == user.unit_id)
        clauses.append(clause)
    return sa.or_(*clauses) if clauses else None


def _branches(user, kind, campaign_id, deadlines=True):
    null_int = sa.cast(sa.null(), sa.Integer)
    null_date = sa.cast(sa.null(), sa.Date)
    shapes = {  # kind: (table, its unit, its campaign, its deadline, the join for it)
        "plan": (Plan, Plan.unit_id, Plan.campaign_id, Campaign.plan_deadline, Campaign),
        "dossier": (Dossier, Dossier.unit_id, Dossier.campaign_id, Campaign.dossier_deadline,
                    Campaign),
        "decision": (Decision, null_int, Decision.campaign_id, null_date, None),
        "campaign": (Campaign, null_int, Campaign.id, Campaign.plan_deadline, None),
    }
    for name, (model, unit, campaign, deadline, joined) in shapes.items():
        if kind not in (None, name):
            continue
        where = _waiting(name, model, user, unit)
        if where is None:
            continue
        if not deadlines:  # counting reads the items' own index only
            branch = sa.select(model.id).where(where)
        else:
            branch = sa.select(
                sa.literal(name).label("kind"), model.id.label("id"),
                model.state.label("state"), campaign.label("campaign_id"),
                unit.label("unit_id"), deadline.label("deadline"),
                model.state_changed_at.label("waiting_since"),
            ).select_from(model).where(where)
            if joined is not None:
                branch = branch.join(joined, joined.id == campaign)
        if campaign_id:
            branch = branch.where(campaign == campaign_id)
        yield branch


def inbox(user, *, kind=None, campaign_id=None, page=1, per_page=20):
    """(rows of this page, total): soonest deadline first, then the longest waiting. The
    total comes with the page (a window count over the items the sort reads anyway); a
    page past the end counts on its own."""
    branches = list(_branches(user, kind, campaign_id))
    if not branches:
        return [], 0
    union = sa.union_all(*branches).subquery("waiting")
    page_rows = (
        sa.select(union, sa.func.count().over().label("total"))
        .order_by(union.c.deadline.is_(None), union.c.deadline, union.c.waiting_since,
                  union.c.kind, union.c.id)
        .limit(per_page).offset((page - 1) * per_page)
        .subquery("page"))
    # a decision is named by its award form (a draft has no number yet to tell it apart)
    decision = sa.orm.aliased(Decision)
    rows = db.session.execute(
        sa.select(page_rows, Campaign.title.label("campaign_title"),
                  Unit.name.label("unit_name"), AwardForm.name.label("award_form_name"))
        .join(Campaign, Campaign.id == page_rows.c.campaign_id)
        .outerjoin(Unit, Unit.id == page_rows.c.unit_id)
        .outerjoin(decision, sa.and_(page_rows.c.kind == "decision",
                                     decision.id == page_rows.c.id))
        .outerjoin(AwardForm, AwardForm.id == decision.award_form_id)
        .order_by(page_rows.c.deadline.is_(None), page_rows.c.deadline,
                  page_rows.c.waiting_since, page_rows.c.kind, page_rows.c.id)
    ).all()
    if rows:
        return rows, rows[0].total
    if page == 1:
        return rows, 0
    counted = sa.union_all(*_branches(user, kind, campaign_id, deadlines=False)).subquery()
    return rows, db.session.scalar(sa.select(sa.func.count()).select_from(counted))
