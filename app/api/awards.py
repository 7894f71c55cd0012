from flask_login import current_user
from flask_smorest import Blueprint

from app.api.schemas import AwardHistoryOut, AwardSearchArgs, AwardSearchPage
from app.services import awards

blp = Blueprint("awards", __name__, url_prefix="/api/v1/awards",
                description="The award history: every award a person or collective received")


@blp.route("")
@blp.arguments(AwardSearchArgs, location="query")
@blp.response(200, AwardSearchPage)
@blp.doc(summary="Find a person or collective by name, with or without diacritics: exact "
                 "names first, then a word starting with q, then q inside a word, each in "
                 "Vietnamese alphabetical order; a unit sees its own awards")
def search_awards(args):
    return awards.search(current_user, args["q"], page=args["page"], per_page=args["per_page"])


@blp.route("/<int:item_id>/history")
@blp.response(200, AwardHistoryOut)
@blp.doc(summary="Every award of the subject of this record, newest first")
def award_history(item_id):
    return awards.history(current_user, item_id)
