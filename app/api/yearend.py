"""The unit's year-end results, holds and initiatives (issue 24, items 3 and 4), and the
eligibility rules (item 5). Ratings and holds: only the subject's unit and the Board."""
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import fields, validate

from app import downloads
from app.api.schemas import Base, ExcelUpload, Str
from app.services import eligibility, yearend
from app.services.spreadsheets import XLSX

blp = Blueprint("yearend", __name__, url_prefix="/api/v1",
                description="The unit's year-end results, holds, initiatives; eligibility rules")

_KINDS = validate.OneOf(["individual", "collective"])
_YEAR = fields.Integer(strict=True, required=True, validate=validate.Range(1945, 2200))


class SubjectIn(Base):
    kind = Str(load_default="individual", validate=_KINDS)
    name = Str(required=True, validate=validate.Length(1, 255))
    organisation = Str(validate=validate.Length(max=255), metadata={
        "description": "As the nominees name it; the unit's short name when empty"})
    title = Str(validate=validate.Length(max=16))
    position_title = Str(validate=validate.Length(max=255))


class RatingIn(SubjectIn):
    rating = Str(required=True, validate=validate.OneOf(list(yearend.RATINGS)), metadata={
        "description": "htxs hoàn thành xuất sắc, httot hoàn thành tốt, ht hoàn thành, "
                       "kht không hoàn thành nhiệm vụ"})
    collective = Str(validate=validate.Length(max=255), metadata={
        "description": "A person's collective that year (phòng, trường): its members are "
                       "the people rated under it"})


class RatingsIn(Base):
    items = fields.List(fields.Nested(RatingIn), required=True,
                        validate=validate.Length(1, yearend.MAX_ITEMS))


class RatingOut(Base):
    id = fields.Integer()
    year = fields.Integer()
    kind = Str()
    name = Str()
    organisation = Str()
    rating = Str()
    rating_name = Str()
    collective_key = Str()


class RecordedOut(Base):
    unit_id = fields.Integer()
    year = fields.Integer()
    recorded = fields.Integer()
    award_form = Str()
    decision_number = Str()


class UnitDecisionIn(Base):
    unit_id = fields.Integer(strict=True, required=True)
    award_form = Str(required=True, validate=validate.Length(1, 32), metadata={
        "description": "LDTT, CSTDCS, TTLDTT or GK: the forms a unit's head decides"})
    number = Str(required=True, validate=validate.Length(1, 60))
    decided_on = fields.Date(required=True)
    signer = Str(required=True, validate=validate.Length(1, 255))
    year = fields.Integer(strict=True, validate=validate.Range(1945, 2200), metadata={
        "description": "The year the titles are for (default: the decision's year)"})
    subjects = fields.List(fields.Nested(SubjectIn), required=True,
                           validate=validate.Length(1, yearend.MAX_ITEMS))


class HoldIn(Base):
    unit_id = fields.Integer(strict=True, required=True)
    subject_kind = Str(load_default="individual", validate=_KINDS)
    name = Str(required=True, validate=validate.Length(1, 255))
    organisation = Str(validate=validate.Length(max=255))
    kind = Str(required=True, validate=validate.OneOf(list(yearend.HOLD_KINDS)))
    source_paper = Str(required=True, validate=validate.Length(1, 255))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(allow_none=True)
    note = Str(validate=validate.Length(max=2000))


class HoldOut(Base):
    id = fields.Integer()
    unit_id = fields.Integer()
    subject_kind = Str()
    name = Str()
    organisation = Str()
    kind = Str()
    kind_name = Str()
    source_paper = Str()
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    note = Str()


class AuthorIn(Base):
    name = Str(required=True, validate=validate.Length(1, 255))
    organisation = Str(validate=validate.Length(max=255))


class InitiativeIn(Base):
    unit_id = fields.Integer(strict=True, required=True)
    title = Str(required=True, validate=validate.Length(1, 2000))
    level = Str(validate=validate.Length(max=120))
    recognised_by = Str(required=True, validate=validate.Length(1, 255))
    decision_number = Str(required=True, validate=validate.Length(1, 60))
    decided_on = fields.Date(required=True)
    year = fields.Integer(strict=True, validate=validate.Range(1945, 2200))
    scope = Str(required=True, validate=validate.OneOf(list(yearend.SCOPES)))
    authors = fields.List(fields.Nested(AuthorIn), required=True,
                          validate=validate.Length(1, 100))


class InitiativeOut(Base):
    id = fields.Integer()
    unit_id = fields.Integer()
    title = Str()
    level = Str()
    recognised_by = Str()
    decision_number = Str()
    decided_on = fields.Date()
    year = fields.Integer()
    scope = Str()
    scope_name = Str()
    authors = fields.List(Str())


class YearArgs(Base):
    year = fields.Integer(strict=False, validate=validate.Range(1945, 2200))


class RuleOut(Base):
    id = fields.Integer()
    code = Str()
    award_form_code = Str()
    award_form_name = Str()
    ground = Str()
    ground_name = Str()
    subject_kind = Str()
    label = Str()
    condition = fields.Dict()
    condition_text = Str()
    severity = Str()
    severity_name = Str()
    more_favourable = fields.Boolean()
    effective_from = fields.Date()
    effective_to = fields.Date(allow_none=True)
    source_note = Str()
    source_text = Str()


@blp.route("/units/<int:unit_id>/ratings/<int:year>", methods=["PUT"])
@blp.arguments(RatingsIn)
@blp.response(200, RecordedOut)
@blp.doc(summary="Record the unit's year-end ratings (people with their collective, and "
                 "collectives); a subject rated again is re-rated; all or nothing")
def put_ratings(data, unit_id, year):
    return yearend.record_ratings(current_user, unit_id, year, data["items"])


@blp.route("/units/<int:unit_id>/ratings/<int:year>")
@blp.response(200, RatingOut(many=True))
@blp.doc(summary="The unit's ratings for a year (its own staff and head, and the Board)")
def get_ratings(unit_id, year):
    return yearend.ratings(current_user, unit_id, year)


@blp.route("/units/<int:unit_id>/ratings/<int:year>/template")
@blp.response(200, {"type": "string", "format": "binary"}, content_type=XLSX,
              description="the ratings list to fill in")
def ratings_template(unit_id, year):
    return downloads.xlsx(yearend.rating_template(current_user, unit_id, year))


@blp.route("/units/<int:unit_id>/ratings/<int:year>/excel", methods=["POST"])
@blp.arguments(ExcelUpload, location="multipart")
@blp.doc(requestBody={"content": {"multipart/form-data": {
    "encoding": {"file": {"contentType": XLSX}}}}})
@blp.response(201, RecordedOut)
@blp.doc(summary="The unit's ratings from the filled-in template, with the same checks as "
                 "by hand: every row or none; each problem named by row (details.file)")
def import_ratings(form, unit_id, year):
    upload = form["file"]
    return yearend.import_ratings(current_user, unit_id, year, upload.read(),
                                  upload.filename or "")


@blp.route("/unit-decisions", methods=["POST"])
@blp.arguments(UnitDecisionIn)
@blp.response(201, RecordedOut)
@blp.doc(summary="A unit head's decision on its own titles (LĐTT, CSTĐCS, TTLĐTT, Giấy "
                 "khen), written to the award history at cấp cơ sở; earlier years too")
def post_unit_decision(data):
    return yearend.record_unit_decision(current_user, data)


@blp.route("/holds", methods=["POST"])
@blp.arguments(HoldIn)
@blp.response(201, HoldOut)
@blp.doc(summary="A discipline, inspection or complaint, with its paper and end date")
def post_hold(data):
    return yearend.add_hold(current_user, data)


@blp.route("/units/<int:unit_id>/holds")
@blp.response(200, HoldOut(many=True))
@blp.doc(summary="The unit's holds (its own staff and head, and the Board)")
def get_holds(unit_id):
    return yearend.holds(current_user, unit_id)


@blp.route("/initiatives", methods=["POST"])
@blp.arguments(InitiativeIn)
@blp.response(201, InitiativeOut)
@blp.doc(summary="A recognised initiative: authors, recognising body, decision, scope")
def post_initiative(data):
    return yearend.add_initiative(current_user, data)


@blp.route("/units/<int:unit_id>/initiatives")
@blp.arguments(YearArgs, location="query")
@blp.response(200, InitiativeOut(many=True))
@blp.doc(summary="The unit's register of recognised initiatives")
def get_initiatives(args, unit_id):
    return yearend.initiatives(current_user, unit_id, args.get("year"))


@blp.route("/eligibility-rules")
@blp.response(200, RuleOut(many=True))
@blp.doc(summary="Every version of every eligibility rule, with its source and confidence")
def get_rules():
    return eligibility.all_rules()
