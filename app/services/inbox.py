"""Việc cần xử lý: every item waiting for this person's action, a page at a time in SQL.

The items come from a UNION over the kinds, each branch reading its deadline by a join;
the page is ordered and cut inside the union, and only its rows are joined to their
campaign's title and unit's name, so the cost follows the page, not the queue.

On PostgreSQL a plan or dossier branch does not read the whole queue to sort it: the order
starts with the campaign's deadline, so for each campaign and waiting state it reads only
the first rows of the page's depth, already in (waiting since, id) order from an index
(ix_plans_queue / ix_dossiers_queue, or the unit's ix_*_waiting for a unit's role), and
sorts those few. The total is an index-only count beside them (issue 22 #16: a Board
appraiser with 11,000 items waiting).
"""
import functools

import sqlalchemy as sa
import sqlalchemy.orm

from app.extensions import db
from app.models import AwardForm, Campaign, Decision, Dossier, Plan, Registration, Unit
from workflows import PROCESSES
from workflows.roles import UNIT_SCOPED

# The statements are built once per shape (database, kind, campaign filter, the user's
# roles) with bound parameters for the rest: building and compiling them took longer than
# running them.
_UNIT, _CAMPAIGN = sa.bindparam("unit_id"), sa.bindparam("campaign_id")
_DEPTH, _LIMIT, _OFFSET = sa.bindparam("depth"), sa.bindparam("limit"), sa.bindparam("offset")


def _waiting(kind, model, roles, unit_column):
    """The WHERE clause of the items of ``kind`` waiting for one of the roles."""
    clauses = []
    for role in roles:
        states = PROCESSES[kind].waiting_for(role)
        if not states:
            continue
        clause = model.state.in_(sorted(states))
        if role in UNIT_SCOPED:
            clause = sa.and_(clause, unit_column == _UNIT)
        clauses.append(clause)
    return sa.or_(*clauses) if clauses else None


def _branches(roles, kind, by_campaign, deadlines=True):
    """The SELECT of each kind's waiting items: [(kind, select)]."""
    null_int = sa.cast(sa.null(), sa.Integer)
    null_date = sa.cast(sa.null(), sa.Date)
    shapes = {  # kind: (table, its unit, its campaign, its deadline, the join for it)
        "plan": (Plan, Plan.unit_id, Plan.campaign_id, Campaign.plan_deadline, Campaign),
        "dossier": (Dossier, Dossier.unit_id, Dossier.campaign_id, Campaign.dossier_deadline,
                    Campaign),
        "decision": (Decision, null_int, Decision.campaign_id, null_date, None),
        "campaign": (Campaign, null_int, Campaign.id, Campaign.plan_deadline, None),
        # a regular year's registrations: the head signs, the Board receives
        "registration": (Registration, Registration.unit_id, Registration.campaign_id,
                         Campaign.registration_deadline, Campaign),
    }
    for name, (model, unit, campaign, deadline, joined) in shapes.items():
        if kind not in (None, name):
            continue
        where = _waiting(name, model, roles, unit)
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
        if by_campaign:
            branch = branch.where(campaign == _CAMPAIGN)
        yield name, branch


_QUEUED = {"plan": (Plan, "plan_deadline"), "dossier": (Dossier, "dossier_deadline")}


def _indexed_branches(roles, kind, by_campaign):
    """PostgreSQL: the branches of _branches, a plan's and a dossier's read as the first
    ``depth`` items of each (campaign, waiting state[, unit]) in index order (LATERAL)."""
    for name, branch in _branches(roles, kind, by_campaign):
        if name not in _QUEUED:
            yield branch
            continue
        model, deadline = _QUEUED[name]
        for role in roles:
            for state in sorted(PROCESSES[name].waiting_for(role) or ()):
                campaign = sa.orm.aliased(Campaign)
                first = sa.select(model.id, model.state, model.unit_id, model.state_changed_at
                                  ).where(model.state == state, model.campaign_id == campaign.id)
                if role in UNIT_SCOPED:
                    first = first.where(model.unit_id == _UNIT)
                first = first.order_by(model.state_changed_at, model.id).limit(_DEPTH).lateral()
                queued = sa.select(
                    sa.literal(name).label("kind"), first.c.id.label("id"),
                    first.c.state.label("state"), campaign.id.label("campaign_id"),
                    first.c.unit_id.label("unit_id"),
                    getattr(campaign, deadline).label("deadline"),
                    first.c.state_changed_at.label("waiting_since"),
                ).select_from(campaign).join(first, sa.true())
                if by_campaign:
                    queued = queued.where(campaign.id == _CAMPAIGN)
                yield queued


def _page_statement(dialect, roles, kind, by_campaign):
    """One page's items, each with the total, joined to what names them; or None when
    nothing of ``kind`` ever waits for these roles."""
    if not any(True for _ in _branches(roles, kind, by_campaign, deadlines=False)):
        return None
    if dialect == "postgresql":
        branches = list(_indexed_branches(roles, kind, by_campaign))
        # two roles may both wait on one item: a plain UNION keeps it once
        union = (sa.union if len(roles) > 1 else sa.union_all)(*branches).subquery("waiting")
        counted = sa.union_all(*(b for _, b in _branches(
            roles, kind, by_campaign, deadlines=False))).subquery()
        total = sa.select(sa.func.count()).select_from(counted).scalar_subquery()
    else:  # SQLite (one server, a small province): the queue sorted whole
        union = sa.union_all(*(b for _, b in _branches(roles, kind, by_campaign))
                             ).subquery("waiting")
        total = sa.func.count().over()
    page_rows = (sa.select(union, total.label("total"))
                 .order_by(union.c.deadline.is_(None), union.c.deadline,
                           union.c.waiting_since, union.c.kind, union.c.id)
                 .limit(_LIMIT).offset(_OFFSET).subquery("page"))
    # a decision is named by its award form (a draft has no number yet to tell it apart)
    decision = sa.orm.aliased(Decision)
    return (
        sa.select(page_rows, Campaign.title.label("campaign_title"),
                  Unit.name.label("unit_name"), AwardForm.name.label("award_form_name"))
        .join(Campaign, Campaign.id == page_rows.c.campaign_id)
        .outerjoin(Unit, Unit.id == page_rows.c.unit_id)
        .outerjoin(decision, sa.and_(page_rows.c.kind == "decision",
                                     decision.id == page_rows.c.id))
        .outerjoin(AwardForm, AwardForm.id == decision.award_form_id)
        .order_by(page_rows.c.deadline.is_(None), page_rows.c.deadline,
                  page_rows.c.waiting_since, page_rows.c.kind, page_rows.c.id))


@functools.cache
def _cached_page_statement(dialect, roles, kind, by_campaign):
    return _page_statement(dialect, roles, kind, by_campaign)


def inbox(user, *, kind=None, campaign_id=None, page=1, per_page=20):
    """(rows of this page, total): soonest deadline first, then the longest waiting. The
    total comes with the page; a page past the end counts on its own."""
    roles = tuple(sorted(user.roles))
    by_campaign = bool(campaign_id)
    statement = _cached_page_statement(db.session.get_bind().dialect.name, roles, kind,
                                       by_campaign)
    if statement is None:
        return [], 0
    offset = (page - 1) * per_page
    params = {"unit_id": user.unit_id, "campaign_id": campaign_id, "limit": per_page,
              "offset": offset, "depth": offset + per_page}
    rows = db.session.execute(statement, params).all()
    if rows:
        return rows, rows[0].total
    if page == 1:
        return rows, 0
    counted = sa.union_all(*(b for _, b in _branches(
        roles, kind, by_campaign, deadlines=False))).subquery()
    return rows, db.session.scalar(sa.select(sa.func.count()).select_from(counted), params)
