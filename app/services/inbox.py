"""Việc cần xử lý: every item waiting for this person's action, in one paged SQL query."""
import sqlalchemy as sa

from app.extensions import db
from app.models import Campaign, Decision, Dossier, Plan, Unit
from workflows import PROCESSES
from workflows.roles import UNIT_SCOPED


def _branch(kind, model, user, deadline, unit_column, campaign_column):
    clauses = []
    for role in user.roles:
        states = PROCESSES[kind].waiting_for(role)
        if not states:
            continue
        clause = model.state.in_(states)
        if role in UNIT_SCOPED:
            clause = sa.and_(clause, unit_column == user.unit_id)
        clauses.append(clause)
    if not clauses:
        return None
    return sa.select(
        sa.literal(kind).label("kind"),
        model.id.label("id"),
        model.state.label("state"),
        campaign_column.label("campaign_id"),
        unit_column.label("unit_id"),
        deadline.label("deadline"),
        model.state_changed_at.label("waiting_since"),
    ).where(sa.or_(*clauses))


def inbox_query(user, kind=None, campaign_id=None):
    """A UNION over the kinds; filters and ordering run in SQL."""
    null_int = sa.cast(sa.null(), sa.Integer)
    null_date = sa.cast(sa.null(), sa.Date)
    builders = {
        "plan": lambda: _branch(
            "plan", Plan, user,
            sa.select(Campaign.plan_deadline).where(Campaign.id == Plan.campaign_id)
            .scalar_subquery(), Plan.unit_id, Plan.campaign_id),
        "dossier": lambda: _branch(
            "dossier", Dossier, user,
            sa.select(Campaign.dossier_deadline).where(Campaign.id == Dossier.campaign_id)
            .scalar_subquery(), Dossier.unit_id, Dossier.campaign_id),
        "decision": lambda: _branch(
            "decision", Decision, user, null_date, null_int, Decision.campaign_id),
        "campaign": lambda: _branch(
            "campaign", Campaign, user, Campaign.plan_deadline, null_int, Campaign.id),
    }
    branches = [build() for name, build in builders.items() if kind in (None, name)]
    branches = [b for b in branches if b is not None]
    if not branches:
        return None
    union = sa.union_all(*branches).subquery("inbox")
    query = sa.select(union)
    if campaign_id:
        query = query.where(union.c.campaign_id == campaign_id)
    return query, union


def inbox(user, *, kind=None, campaign_id=None, page=1, per_page=20):
    built = inbox_query(user, kind, campaign_id)
    if built is None:
        return [], 0
    query, union = built
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = db.session.execute(
        query.add_columns(Campaign.title.label("campaign_title"), Unit.name.label("unit_name"))
        .join(Campaign, Campaign.id == union.c.campaign_id)
        .outerjoin(Unit, Unit.id == union.c.unit_id)
        .order_by(union.c.deadline.is_(None), union.c.deadline, union.c.waiting_since, union.c.id)
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    return rows, total
