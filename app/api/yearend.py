"""The unit's year-end results, holds and initiatives (issue 24, items 3 and 4), and the
eligibility rules (item 5). Ratings and holds: only the subject's unit and the Board."""
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import fields, validate

from app import downloads
from app.api.schemas import Base, ExcelUpload, Str
from app.clock import today
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
    id = fields.Integer(metadata={"description": "the unit decision's id (a unit decision)"})
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


class HoldEdit(Base):
    subject_kind = Str(load_default="individual", validate=_KINDS)
    name = Str(required=True, validate=validate.Length(1, 255))
    organisation = Str(validate=validate.Length(max=255))
    kind = Str(required=True, validate=validate.OneOf(list(yearend.HOLD_KINDS)))
    source_paper = Str(required=True, validate=validate.Length(1, 255))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(allow_none=True)
    note = Str(validate=validate.Length(max=2000))


class HoldIn(HoldEdit):
    unit_id = fields.Integer(strict=True, required=True)


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


class InitiativeEdit(Base):
    title = Str(required=True, validate=validate.Length(1, 2000))
    level = Str(validate=validate.Length(max=120))
    recognised_by = Str(required=True, validate=validate.Length(1, 255))
    decision_number = Str(required=True, validate=validate.Length(1, 60))
    decided_on = fields.Date(required=True)
    year = fields.Integer(strict=True, validate=validate.Range(1945, 2200))
    scope = Str(required=True, validate=validate.OneOf(list(yearend.SCOPES)))
    authors = fields.List(fields.Nested(AuthorIn), required=True,
                          validate=validate.Length(1, 100))


class InitiativeIn(InitiativeEdit):
    unit_id = fields.Integer(strict=True, required=True)


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


class UnitDecisionEdit(Base):
    number = Str(required=True, validate=validate.Length(1, 60))
    decided_on = fields.Date(required=True)
    signer = Str(required=True, validate=validate.Length(1, 255))
    year = fields.Integer(strict=True, validate=validate.Range(1945, 2200))
    subjects = fields.List(fields.Nested(SubjectIn), required=True,
                           validate=validate.Length(1, yearend.MAX_ITEMS), metadata={
                               "description": "every name of the decision as corrected: a "
                                              "name left out loses its award record"})


class DecisionSubjectOut(Base):
    record_id = fields.Integer()
    kind = Str()
    name = Str()
    organisation = Str()
    title = Str()
    position_title = Str()
    history = Str(allow_none=True, metadata={
        "description": "why its award record may no longer change (sealed in an audit "
                       "anchor, or possibly evidence of an issued decision); null: it may"})


class UnitDecisionOut(Base):
    id = fields.Integer()
    unit_id = fields.Integer()
    award_form = Str()
    form_name = Str()
    number = Str()
    decided_on = fields.Date()
    signer = Str()
    year = fields.Integer()
    subjects = fields.List(fields.Nested(DecisionSubjectOut))


class RatingEdit(Base):
    rating = Str(required=True, validate=validate.OneOf(list(yearend.RATINGS)))


class ChangeFieldOut(Base):
    label = Str()
    before = Str()
    after = Str()


class ChangeOut(Base):
    id = fields.Integer()
    at = fields.DateTime()
    item_type = Str()
    item = Str()
    item_id = fields.Integer()
    action = Str(metadata={"description": "added, edited or removed"})
    action_name = Str()
    by = Str()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
    fields_ = fields.List(fields.Nested(ChangeFieldOut), data_key="fields",
                          attribute="fields")


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


# -- corrections after entry (by those who may enter; each change audited) ---------------------


@blp.route("/units/<int:unit_id>/unit-decisions")
@blp.arguments(YearArgs, location="query")
@blp.response(200, UnitDecisionOut(many=True))
@blp.doc(summary="The unit's decisions on its own titles for a year (default: this year), "
                 "each name with whether its award record may still change")
def get_unit_decisions(args, unit_id):
    return yearend.unit_decisions(current_user, unit_id, args.get("year") or today().year)


@blp.route("/unit-decisions/<int:item_id>", methods=["PUT"])
@blp.arguments(UnitDecisionEdit)
@blp.response(200, UnitDecisionOut)
@blp.doc(summary="Correct a unit decision; its award records follow in one transaction (a "
                 "name removed loses its record); 409 award_history when a record is history")
def put_unit_decision(data, item_id):
    return yearend.correct_unit_decision(current_user, item_id, data)


@blp.route("/unit-decisions/<int:item_id>", methods=["DELETE"])
@blp.response(204)
@blp.doc(summary="Remove a unit decision entered in error, with its award records")
def delete_unit_decision(item_id):
    yearend.remove_unit_decision(current_user, item_id)


@blp.route("/holds/<int:item_id>", methods=["PUT"])
@blp.arguments(HoldEdit)
@blp.response(200, HoldOut)
@blp.doc(summary="Correct a hold (subject, kind, paper, dates, note)")
def put_hold(data, item_id):
    return yearend.edit_hold(current_user, item_id, data)


@blp.route("/holds/<int:item_id>", methods=["DELETE"])
@blp.response(204)
@blp.doc(summary="Remove a hold entered in error")
def delete_hold(item_id):
    yearend.remove_hold(current_user, item_id)


@blp.route("/initiatives/<int:item_id>", methods=["PUT"])
@blp.arguments(InitiativeEdit)
@blp.response(200, InitiativeOut)
@blp.doc(summary="Correct an initiative (its authors replaced by those given)")
def put_initiative(data, item_id):
    return yearend.edit_initiative(current_user, item_id, data)


@blp.route("/initiatives/<int:item_id>", methods=["DELETE"])
@blp.response(204)
@blp.doc(summary="Remove an initiative entered in error")
def delete_initiative(item_id):
    yearend.remove_initiative(current_user, item_id)


@blp.route("/ratings/<int:item_id>", methods=["PATCH"])
@blp.arguments(RatingEdit)
@blp.response(200, RatingOut)
@blp.doc(summary="Change one rating")
def patch_rating(data, item_id):
    return yearend.change_rating(current_user, item_id, data["rating"])


@blp.route("/ratings/<int:item_id>", methods=["DELETE"])
@blp.response(204)
@blp.doc(summary="Remove one rating")
def delete_rating(item_id):
    yearend.remove_rating(current_user, item_id)


@blp.route("/units/<int:unit_id>/result-changes")
@blp.response(200, ChangeOut(many=True))
@blp.doc(summary="The latest 50 changes of the unit's year-end records and of who decides "
                 "its titles, newest first (its own staff and head, and the Board)")
def get_result_changes(unit_id):
    return yearend.changes(current_user, unit_id)
