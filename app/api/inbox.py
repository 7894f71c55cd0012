from flask import url_for
from flask_login import current_user
from flask_smorest import Blueprint

from app.api.schemas import InboxArgs, InboxPage
from app.clock import today
from app.services.inbox import inbox
from app.services.workflow import KINDS, state_label

blp = Blueprint("inbox", __name__, url_prefix="/api/v1/inbox",
                description="Việc cần xử lý: items waiting for this user's action")


@blp.route("")
@blp.arguments(InboxArgs, location="query")
@blp.response(200, InboxPage)
def my_inbox(args):
    rows, total = inbox(current_user, kind=args.get("kind"), campaign_id=args.get("campaign_id"),
                        page=args["page"], per_page=args["per_page"])
    now = today()
    items = [{
        **row._mapping,
        "state_label": state_label(row.kind, row.state),
        "overdue": bool(row.deadline and row.deadline < now),
        "url": url_for(f"{KINDS[row.kind].process.collection}.get_{row.kind}", item_id=row.id),
    } for row in rows]
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}
