"""Pages of a list, counted and cut in SQL."""
import sqlalchemy as sa

from app.extensions import db


def paginate(query, page=1, per_page=20) -> dict:
    """``query`` (a select of rows, ordered) as one page: its items and the total."""
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": items, "total": total, "page": page, "per_page": per_page}
