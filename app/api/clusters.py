"""Clusters and blocks (cụm, khối thi đua): members, each year's leader and deputy, the
pact, the scores, the ranking, the vote and the proposal."""
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import fields, validate

from app import downloads
from app.api.schemas import Base, Error, PageArgs, Str, UtcDateTime, ruled
from app.services import clusters
from app.services import validation as rules

blp = Blueprint("clusters", __name__, url_prefix="/api/v1",
                description="Clusters and blocks (cụm, khối thi đua)")

KINDS = list(clusters.CLUSTER_KINDS)


class MemberOut(Base):
    code = Str()
    name = Str()


class ClusterIn(Base):
    code = ruled(clusters.CLUSTER["code"], required=True)
    name = ruled(clusters.CLUSTER["name"], required=True)
    kind = Str(required=True, validate=validate.OneOf(KINDS),
               metadata={"description": "cum (cụm) or khoi (khối)"})
    members = fields.List(Str(validate=validate.Length(max=32)), load_default=list,
                          metadata={"description": "unit codes; a unit in one cluster per kind"})


class ClusterOut(Base):
    id = fields.Integer()
    code = Str()
    name = Str()
    kind = Str()
    kind_label = Str()
    members = fields.List(fields.Nested(MemberOut))


class ClusterListArgs(Base):
    kind = Str(validate=validate.OneOf(KINDS))


class YearIn(Base):
    cluster = Str(required=True, validate=validate.Length(max=32))
    campaign_id = fields.Integer(required=True, metadata={"description": "the year's campaign"})
    leader = Str(required=True, validate=validate.Length(max=32),
                 metadata={"description": "cụm trưởng: a member's unit code"})
    deputy = Str(allow_none=True, validate=validate.Length(max=32),
                 metadata={"description": "cụm phó: another member's unit code"})
    flag_quota = ruled(clusters.QUOTA, load_default=1)


class YearListArgs(Base):
    campaign_id = fields.Integer()


class YearSummaryOut(Base):
    id = fields.Integer()
    campaign_id = fields.Integer()
    cluster = Str()
    cluster_name = Str()
    kind = Str()
    leader = Str()
    leader_name = Str()
    deputy = Str(allow_none=True)
    deputy_name = Str(allow_none=True)
    flag_quota = fields.Integer()
    votes_recorded_at = UtcDateTime(allow_none=True)


class CriterionIn(Base):
    title = ruled(clusters.CRITERION["title"], required=True)
    max_points = ruled(clusters.CRITERION["max_points"], required=True)
    evidence = ruled(clusters.CRITERION["evidence"])


class CriterionOut(Base):
    id = fields.Integer()
    position = fields.Integer()
    title = Str()
    max_points = fields.Float()
    evidence = Str()


class CriteriaIn(Base):
    criteria = fields.List(fields.Nested(CriterionIn), required=True,
                           validate=validate.Length(min=1, max=200))


class YearMemberOut(Base):
    code = Str()
    name = Str()
    pact_confirmed_at = UtcDateTime(allow_none=True)
    pact_confirmed_by = Str(allow_none=True)
    sheet_state = Str()


class YearOut(YearSummaryOut):
    members = fields.List(fields.Nested(YearMemberOut))
    criteria = fields.List(fields.Nested(CriterionOut))


class ScoreIn(Base):
    criterion_id = fields.Integer(required=True)
    points = ruled(clusters.SCORE["points"], required=True)
    note = ruled(clusters.SCORE["note"])


class ScoresIn(Base):
    scores = fields.List(fields.Nested(ScoreIn), required=True,
                         validate=validate.Length(min=1, max=200))


class AdjustmentIn(Base):
    criterion_id = fields.Integer(required=True)
    points = ruled(clusters.SCORE["points"], required=True)
    reason = ruled(rules.WHY, required=True)


class ReviewIn(Base):
    adjustments = fields.List(fields.Nested(AdjustmentIn), load_default=list,
                              validate=validate.Length(max=200))


class LineOut(Base):
    criterion_id = fields.Integer()
    title = Str()
    max_points = fields.Float()
    points = fields.Float(allow_none=True)
    note = Str()
    adjusted_points = fields.Float(allow_none=True)
    adjust_reason = Str(allow_none=True)


class SheetOut(Base):
    unit = Str()
    state = Str()
    state_label = Str()
    submitted_at = UtcDateTime(allow_none=True)
    reviewed_at = UtcDateTime(allow_none=True)
    total = fields.Float()
    lines = fields.List(fields.Nested(LineOut))


class RankOut(Base):
    rank = fields.Integer()
    unit = Str()
    unit_name = Str()
    total = fields.Float()
    state = Str()
    state_label = Str()


class RankingOut(Base):
    cluster_year = fields.Nested(YearSummaryOut)
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    items = fields.List(fields.Nested(RankOut))


class VoteIn(Base):
    unit = Str(required=True, validate=validate.Length(max=32))
    votes = ruled(clusters.VOTES, required=True)
    proposal = Str(required=True, validate=validate.OneOf(list(clusters.PROPOSALS)))


class VotesIn(Base):
    voters = ruled(clusters.VOTES, required=True)
    entries = fields.List(fields.Nested(VoteIn), required=True,
                          validate=validate.Length(min=1, max=200))


class VoteOut(Base):
    unit = Str()
    unit_name = Str()
    votes = fields.Integer()
    voters = fields.Integer()
    proposal = Str()
    proposal_label = Str()


class VotesOut(Base):
    cluster_year = fields.Nested(YearSummaryOut)
    entries = fields.List(fields.Nested(VoteOut))


class ProposalOut(Base):
    dossier_id = fields.Integer()
    nominees = fields.Integer()


@blp.route("/clusters")
@blp.arguments(ClusterListArgs, location="query")
@blp.response(200, ClusterOut(many=True))
@blp.doc(summary="Every cluster and block with its members (public within the province)")
def list_clusters(args):
    return clusters.list_clusters(args.get("kind"))


@blp.route("/clusters", methods=["POST"])
@blp.arguments(ClusterIn)
@blp.response(201, ClusterOut)
@blp.doc(summary="Create or replace a cluster by code, with its members (admin, Board head)")
def save_cluster(data):
    return clusters.save_cluster(current_user, data)


@blp.route("/clusters/<code>")
@blp.response(200, ClusterOut)
def get_cluster(code):
    return clusters.get_cluster(code)


@blp.route("/cluster-years")
@blp.arguments(YearListArgs, location="query")
@blp.response(200, YearSummaryOut(many=True))
@blp.doc(summary="The cluster years this user may see (the province: all; a unit: its own)")
def list_years(args):
    return clusters.years(current_user, args.get("campaign_id"))


@blp.route("/cluster-years", methods=["POST"])
@blp.arguments(YearIn)
@blp.response(201, YearOut)
@blp.doc(summary="A cluster's year: leader (cụm trưởng), deputy (cụm phó), Cờ quota")
def set_year(data):
    return clusters.set_year(current_user, data["cluster"], data)


@blp.route("/cluster-years/<int:year_id>")
@blp.response(200, YearOut)
def get_year(year_id):
    return clusters.year_out(current_user, year_id)


@blp.route("/cluster-years/<int:year_id>/criteria", methods=["PUT"])
@blp.arguments(CriteriaIn)
@blp.response(200, CriterionOut(many=True))
@blp.doc(summary="The year's scoring table (criteria, maximum points, evidence asked)")
def set_criteria(data, year_id):
    return clusters.set_criteria(current_user, year_id, data["criteria"])


@blp.route("/cluster-years/<int:year_id>/pact", methods=["POST"])
@blp.response(200, YearOut)
@blp.doc(summary="A member's head confirms the year's pact (giao ước thi đua)")
def confirm_pact(year_id):
    return clusters.confirm_pact(current_user, year_id)


@blp.route("/cluster-years/<int:year_id>/scores", methods=["PUT"])
@blp.arguments(ScoresIn)
@blp.response(200, SheetOut)
@blp.doc(summary="The user's unit scores itself (draft sheet)")
def save_scores(data, year_id):
    return clusters.save_scores(current_user, year_id, data["scores"])


@blp.route("/cluster-years/<int:year_id>/scores/submit", methods=["POST"])
@blp.response(200, SheetOut)
@blp.doc(summary="The unit's head sends its sheet to the leader")
def submit_scores(year_id):
    return clusters.submit_scores(current_user, year_id)


@blp.route("/cluster-years/<int:year_id>/sheets/<unit>")
@blp.response(200, SheetOut)
@blp.doc(summary="A member's sheet (its unit, the leader's unit, the province)")
def get_sheet(year_id, unit):
    return clusters.sheet_out(current_user, year_id, unit)


@blp.route("/cluster-years/<int:year_id>/sheets/<unit>/review", methods=["POST"])
@blp.arguments(ReviewIn)
@blp.response(200, SheetOut)
@blp.doc(summary="The leader's head reviews a member's sheet, adjusting with a reason")
def review_sheet(data, year_id, unit):
    return clusters.review_scores(current_user, year_id, unit, data["adjustments"])


@blp.route("/cluster-years/<int:year_id>/ranking")
@blp.arguments(PageArgs, location="query")
@blp.response(200, RankingOut)
@blp.doc(summary="The cluster's ranking (sum per member, RANK() in SQL; ties by unit code)")
def ranking(args, year_id):
    return clusters.ranking(current_user, year_id, args["page"], args["per_page"])


@blp.route("/cluster-years/<int:year_id>/votes")
@blp.response(200, VotesOut)
def get_votes(year_id):
    return clusters.votes_out(current_user, year_id)


@blp.route("/cluster-years/<int:year_id>/votes", methods=["PUT"])
@blp.arguments(VotesIn)
@blp.response(200, VotesOut)
@blp.doc(summary="The biên bản suy tôn (leader's head): votes per unit, Cờ within quota")
def record_votes(data, year_id):
    return clusters.record_votes(current_user, year_id, data)


@blp.route("/cluster-years/<int:year_id>/proposal", methods=["POST"])
@blp.response(201, ProposalOut)
@blp.doc(summary="The leader's staff puts the voted units into its dossier of the year "
                 "(Cờ thi đua, Bằng khen), which the Board then appraises")
def propose(year_id):
    return clusters.propose(current_user, year_id)


@blp.route("/cluster-years/<int:year_id>/papers/<name>")
@blp.response(200, description="the DOCX (NĐ 30 form); a draft (DỰ THẢO) until every head "
              "has confirmed the pact, or until the vote is recorded",
              content_type=clusters.DOCX)
@blp.alt_response(404, schema=Error, description="no such paper, or the year is not seen")
@blp.doc(summary="A cluster year's paper: pact (giao ước thi đua) or vote (biên bản suy tôn)")
def get_paper(year_id, name):
    filename, body = clusters.paper(current_user, year_id, name)
    return downloads.send(body, filename, clusters.DOCX)
