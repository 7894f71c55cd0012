"""Request and response bodies of API v1; the OpenAPI document is generated from them."""
import re
import unicodedata
from collections.abc import Mapping
from datetime import UTC

from marshmallow import Schema, ValidationError, fields, pre_load, validate

from app.api import messages
from app.services import validation as rules
from app.services.campaigns import (
    CAMPAIGN_KINDS,
    LAUNCH_TYPES,
    UNSENT_PLAN_RULES,
    participant_count,
)
from app.services.dossiers import NOMINEE_KINDS, VERDICTS
from app.services.org import UNIT_KINDS
from app.services.workflow import state_label
from workflows import CAMPAIGN, PROCESSES
from workflows.roles import ROLES

messages.install()


class Str(fields.String):
    """Text as people type it, stored one way: NFC-normalised, without outer spaces.

    The same Vietnamese letter can arrive precomposed or as base + combining marks;
    documents, sorting and the duplicate check need one form.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        return unicodedata.normalize("NFC", text).strip()

class UtcDateTime(fields.DateTime):
    """Timestamps are stored as naive UTC (app/clock.py); they are written with their
    offset, so a reader in Hà Nội never takes them for local time."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class Upload(fields.Raw):
    """A file part of a multipart body (a plain text field of that name is bad input)."""

    default_error_messages = {"not_file": "Phải là một tệp đính kèm (phần tệp của biểu mẫu)."}

    def __init__(self, **kwargs):
        super().__init__(metadata={"type": "string", "format": "binary"}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not hasattr(value, "stream"):
            raise self.make_error("not_file")
        return value


NonEmpty = validate.Length(min=1)


def text(max_len=None, **kw):
    """Text no service rule checks (codes, triggers, credentials): the API's own limit."""
    return Str(validate=validate.Length(min=1, max=max_len) if max_len else NonEmpty, **kw)


# The characters the services refuse in any text (app/services/validation.py), as the
# document states them: an ECMA-262 pattern, and words for people.
TEXT_PATTERN = "^[^" + "".join(
    c if c == "-" else f"\\u{ord(c):04x}" for c in rules.REFUSED_CHARACTERS) + "]*$"
NO_CONTROLS = ("Control characters (U+0000–U+0008, U+000C, U+000E–U+001F, U+007F–U+009F, "
               "lone surrogates, U+FFFE, U+FFFF) are refused (422); tab and line breaks are "
               "kept, Word's manual line break (U+000B) becomes one.")

# A wall-clock time of day (a council's start and end): hours and minutes, seconds
# optional, no offset. Every fields.Time is read and documented by it (Base below).
CLOCK = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$")
CLOCK_MESSAGE = "Giờ phải viết dạng giờ:phút, ví dụ 08:30."

# A year in a path (the award register, the year's overview): the service's bounds.
YEAR_PARAMETER = {"in": "path", "name": "year", "required": True,
                  "description": "the year of the awards",
                  "schema": {"type": "integer", "minimum": rules.YEAR.minimum,
                             "maximum": rules.YEAR.limit}}


class RuledInteger(fields.Integer):
    """An integer a service rule checks (its range included)."""


class MinutesNumber(fields.Field):
    """«Số biên bản»: a number (12) or a number with its ký hiệu ("12/BB-HĐTĐKT"), passed
    as sent to the service, whose one rule (validation.minutes_number) checks it."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValidationError("Số biên bản là một số, hoặc số kèm ký hiệu (12/BB-HĐTĐKT).")
        return value


def ruled(rule, *, non_empty=False, **kw):
    """A field the service checks by ``rule`` (app/services/validation.py, the one set of
    checks): the document declares the rule's limits, and no limit is checked here, so an
    over-long text, a bad address or an out-of-range number gets the service's refusal, in
    the same words as on the pages and in the CLI. ``non_empty``: "" is refused here (the
    field names something that must be there when it is sent)."""
    meta = dict(kw.pop("metadata", None) or {})
    if isinstance(rule, rules.Text):
        if rule.max_len is not None:
            meta.setdefault("maxLength", rule.max_len)
        if rule.required:
            meta.setdefault("minLength", 1)
        meta.setdefault("pattern", TEXT_PATTERN)
        meta["description"] = " ".join(filter(None, [meta.get("description"), NO_CONTROLS]))
        return Str(metadata=meta, validate=NonEmpty if non_empty and not rule.required
                   else None, **kw)
    if isinstance(rule, rules.Email):
        meta.update(format="email", maxLength=rules.MAX_EMAIL)
        meta["description"] = " ".join(filter(None, [meta.get("description"), NO_CONTROLS]))
        return Str(metadata=meta, **kw)
    if isinstance(rule, rules.OrganId):
        meta.update(minLength=0, maxLength=13, example="000.00.00.H29")
        meta["description"] = " ".join(filter(None, [
            meta.get("description"),
            "mã định danh (QCVN 102:2016): 13 characters, NNN.NN.NN.XNN; empty: none"]))
        return Str(metadata=meta, **kw)
    if isinstance(rule, rules.Number):
        meta.update(minimum=rule.minimum, maximum=rule.limit)
        return (RuledInteger if rule.integer else fields.Decimal)(metadata=meta, **kw)
    raise TypeError(f"no field for {rule!r}")


# What an INTEGER column holds (32-bit on PostgreSQL): a larger value is bad input (422),
# never a database error (500).
DB_INT = validate.Range(min=-rules.MAX_INT - 1, max=rules.MAX_INT)


class Base(Schema):
    """Unknown fields are refused (marshmallow's default), so typos never pass silently."""

    def on_bind_field(self, field_name, field_obj):
        # Every integer read, also inside lists, must fit an INTEGER column (a ruled one is
        # checked by its service rule).
        for field in (field_obj, getattr(field_obj, "inner", None)):
            if isinstance(field, fields.Integer) and not isinstance(field, RuledInteger):
                field.validators = [*field.validators, DB_INT]

    @pre_load
    def _clock_times(self, data, **kwargs):
        """A time of day only as CLOCK writes it (the document's pattern): marshmallow alone
        also takes "8", "0830", offsets and fractions."""
        if not isinstance(data, Mapping):
            return data
        bad = {name: [CLOCK_MESSAGE] for name, field in self.load_fields.items()
               if isinstance(field, fields.Time)
               and isinstance(data.get(field.data_key or name), str)
               and not CLOCK.match(data[field.data_key or name])}
        if bad:
            raise ValidationError(bad)
        return data


# -- errors and paging -------------------------------------------------------------------

class ErrorBody(Base):
    code = Str(required=True)
    message = Str(required=True)
    details = fields.Dict()
    # the X-Request-ID of the answer, also in the server's logs: quote it when reporting
    request_id = Str()


class Error(Base):
    error = fields.Nested(ErrorBody, required=True)


class PageArgs(Base):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))


def page_of(item_schema, name):
    return type(name, (Base,), {
        "items": fields.List(fields.Nested(item_schema)),
        "total": fields.Integer(),
        "page": fields.Integer(),
        "per_page": fields.Integer(),
    })


# -- auth ----------------------------------------------------------------------------------

class TokenRequest(Base):
    username = text(80, required=True)
    password = text(200, required=True)


class TokenResponse(Base):
    token = Str()
    token_type = Str()
    expires_at = UtcDateTime()


class UnitRef(Base):
    id = fields.Integer()
    code = Str()
    name = Str()


class Me(Base):
    id = fields.Integer()
    username = Str()
    full_name = Str()
    email = Str(allow_none=True)
    roles = fields.Method("get_roles")
    unit = fields.Nested(UnitRef)
    signing_title = Str(allow_none=True)
    signing_authority = Str(allow_none=True)
    signing_modes = fields.Function(
        lambda u: u.signing_modes.split(",") if u.signing_modes else [],
        metadata={"description": "the quyền hạn this signer may use (own, KT, Q, TL, TUQ)"})

    def get_roles(self, user):
        return sorted(user.roles)


# -- units and users -----------------------------------------------------------------------------

class UnitOut(Base):
    id = fields.Integer()
    code = Str()
    name = Str()
    short_name = Str(allow_none=True)
    kind = Str()
    parent_code = fields.Function(lambda u: u.parent.code if u.parent else None)
    cluster = Str(allow_none=True)
    email = Str(allow_none=True)
    organ_id = Str(allow_none=True, metadata={"description": "mã định danh (QCVN 102:2016)"})
    active = fields.Boolean()
    header_lines = fields.Function(lambda u: list(u.header))
    parent_header = Str(allow_none=True)
    place_name = Str(allow_none=True)
    head_title = Str(allow_none=True)
    abbreviation = Str(allow_none=True)
    council_symbol = Str(allow_none=True)
    locality = Str(allow_none=True)
    collective_name = Str(allow_none=True)
    collective_papers = Str(allow_none=True)
    pays_awards = fields.Boolean()
    esign_required = fields.Boolean()
    titles_decided_by = fields.Function(
        lambda u: u.titles_decider.code if u.titles_decider else None, metadata={
            "description": "the code of the unit whose head decides this unit's own titles "
                           "(LĐTT, CSTĐCS, Giấy khen); null: the unit itself"})


class UnitIn(Base):
    code = ruled(rules.UNIT["code"], required=True,
                 metadata={"pattern": rules.UNIT_CODE.pattern,
                           "description": rules.UNIT_CODE_MESSAGE})
    name = ruled(rules.UNIT["name"], required=True)
    short_name = ruled(rules.UNIT["short_name"])
    kind = Str(validate=validate.OneOf(UNIT_KINDS))
    parent_code = Str(allow_none=True)
    cluster = ruled(rules.UNIT["cluster"], allow_none=True)
    email = ruled(rules.UNIT["email"], allow_none=True)
    organ_id = ruled(rules.UNIT["organ_id"], allow_none=True)
    active = fields.Boolean()
    header_lines = ruled(rules.UNIT["header_lines"], allow_none=True,
                         metadata={"description": "letterhead lines, separated by | or newlines"})
    parent_header = ruled(rules.UNIT["parent_header"], allow_none=True)
    place_name = ruled(rules.UNIT["place_name"], allow_none=True)
    head_title = ruled(rules.UNIT["head_title"], allow_none=True)
    abbreviation = ruled(rules.UNIT["abbreviation"], allow_none=True, metadata={
        "description": "its abbreviation in the ký hiệu, Vietnamese capitals: SLĐTBXH; a "
                       "commune's People's Committee: UBND; empty: the code"})
    council_symbol = ruled(rules.UNIT["council_symbol"], allow_none=True, metadata={
        "description": "its emulation council's ký hiệu on the biên bản, Vietnamese capitals: "
                       "HĐTĐKT gives …/BB-HĐTĐKT; empty: the unit's own"})
    locality = ruled(rules.UNIT["locality"], allow_none=True, metadata={
        "description": "the area a People's Committee governs, as its papers name it: tỉnh, "
                       "or thành phố for a centrally-run city"})
    collective_name = ruled(rules.UNIT["collective_name"], allow_none=True, metadata={
        "description": "a collective body's name after TM., e.g. Ủy ban nhân dân"})
    collective_papers = ruled(rules.UNIT["collective_papers"], allow_none=True, metadata={
        "description": "document-type codes it issues as the collective, comma-separated; "
                       "* for every paper"})
    pays_awards = fields.Boolean(metadata={
        "description": "the finance department that pays the award money (Sở Tài chính)"})
    esign_required = fields.Boolean(metadata={
        "description": "its papers must be signed digitally: a signer without a registered "
                       "certificate is refused (422 esign_required) instead of the paper path"})
    titles_decided_by = Str(allow_none=True, validate=validate.Length(max=32), metadata={
        "description": "the code of the unit whose head decides this unit's own titles: a sở, "
                       "or the unit's parent; empty or null: the unit itself. Audited"})


class UnitPatch(UnitIn):
    class Meta:
        exclude = ("code",)

    name = ruled(rules.UNIT["name"])


class UnitListArgs(Base):
    kind = Str(validate=validate.OneOf(UNIT_KINDS))
    cluster = Str()


class UserOut(Me):
    active = fields.Boolean()
    failed_logins = fields.Integer(metadata={"description": "wrong passwords in a row"})
    locked_until = UtcDateTime(allow_none=True, metadata={
        "description": "sign-in refused until then (POST …/unlock lifts it)"})


class UserIn(Base):
    # checked by the account service, in its words (pattern declared for the document)
    username = Str(required=True, metadata={"pattern": rules.USERNAME.pattern})
    password = Str(required=True, validate=validate.Length(max=200),
                   metadata={"description": "at least 8 characters (the account service's rule)"})
    full_name = ruled(rules.USER["full_name"], required=True, non_empty=True)
    email = ruled(rules.USER["email"], allow_none=True)
    unit = Str(required=True, metadata={"description": "unit code"})
    roles = fields.List(Str(validate=validate.OneOf(ROLES)), required=True,
                        validate=validate.Length(min=1))
    signing_title = ruled(rules.USER["signing_title"], allow_none=True)
    signing_authority = ruled(rules.USER["signing_authority"], allow_none=True,
                              metadata={"description": "e.g. KT. CHỦ TỊCH"})
    signing_modes = ruled(rules.USER["signing_modes"], allow_none=True, metadata={
        "description": "comma-separated quyền hạn the signer may use, usual first: "
                       "own, KT, Q, TL, TUQ"})
    active = fields.Boolean()


class UserPatch(UserIn):
    class Meta:
        exclude = ("username",)

    password = Str(validate=validate.Length(max=200))
    full_name = ruled(rules.USER["full_name"], non_empty=True)
    unit = Str()
    roles = fields.List(Str(validate=validate.OneOf(ROLES)), validate=validate.Length(min=1))


class UserListArgs(Base):
    unit = Str()
    role = Str(validate=validate.OneOf(ROLES))


# -- reference data -------------------------------------------------------------------------

class AwardFormOut(Base):
    id = fields.Integer()
    code = Str()
    name = Str()
    subject_kind = Str()
    money_multiplier_individual = fields.Float(allow_none=True)
    money_multiplier_collective = fields.Float(allow_none=True)
    effective_from = fields.Date()
    effective_to = fields.Date(allow_none=True)
    source_note = Str(allow_none=True)


class LegalBasisOut(Base):
    code = Str()
    document_kind = Str()
    position = fields.Integer()
    text = Str()
    effective_from = fields.Date()
    effective_to = fields.Date(allow_none=True)
    source_note = Str(allow_none=True)


class RuleValueOut(Base):
    key = Str()
    value = fields.Float()
    label = Str()
    effective_from = fields.Date()
    effective_to = fields.Date(allow_none=True)
    source_note = Str(allow_none=True)


class OnDateArgs(Base):
    on = fields.Date(metadata={"description": "date the data must be in force on (default today)"})


# -- workflow --------------------------------------------------------------------------------

class TransitionIn(Base):
    trigger = text(32, required=True)
    comment = ruled(rules.COMMENT, allow_none=True)
    version = fields.Integer(required=True, strict=True)
    # A numbering step (issue, sign_proposal, a unit head's sign_off): the number and date
    # the văn thư actually gave, instead of the register's next number and today.
    number = fields.Integer(allow_none=True, strict=True,
                            validate=validate.Range(min=1, max=999_999),
                            metadata={"description": "the number given (unique in its register)"})
    issued_on = fields.Date(allow_none=True,
                            metadata={"description": "the date of issue or signature"})
    # «Ban hành» with no number: the next number the client showed and had confirmed.
    expected_number = fields.Integer(
        allow_none=True, strict=True, validate=validate.Range(min=1, max=999_999),
        metadata={"description": "issue without a number: the register's next number the "
                                 "person confirmed; if another document took it meanwhile, "
                                 "409 next_number_changed and nothing changes (optional; "
                                 "ignored when a number is given)"})
    # «Ban hành» with no date: the day the client showed and had confirmed as the date.
    expected_issued_on = fields.Date(
        allow_none=True,
        metadata={"description": "issue without a date: the day the person confirmed as the "
                                 "date of issue; if that day has passed, 409 "
                                 "issue_date_changed and nothing changes (optional; ignored "
                                 "when a date is given)"})
    # A signature (approve, sign_proposal, sign_off): the signer's quyền hạn for this paper.
    authority = Str(allow_none=True, validate=validate.OneOf(["own", "KT", "Q", "TL", "TUQ"]),
                    metadata={"description": "own (the head), KT, Q, TL or TUQ: one the "
                                             "signer may use; empty: their usual one"})
    # Remote signing (a signer whose key stays on their token or at their CA): the step
    # first answers 202 with a signing request; it is finished by sending its id with the
    # CMS signature of its digest, or with the whole PDF the signing plugin returned.
    signing_request = Str(allow_none=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{16,64}$"),
                          metadata={"description": "the id of the signing request (202)"})
    signature = Str(allow_none=True, validate=validate.Length(max=200_000),
                    metadata={"description": "base64 CMS SignedData of the request's digest"})
    signed_pdf = Str(allow_none=True, validate=validate.Length(max=28_000_000),
                     metadata={"description": "base64 of the whole signed PDF returned by "
                                              "the signing plugin"})


def transition_in(kind):
    """TransitionIn for one kind, its triggers listed as an enum in the document (an
    unknown one is still answered by the service, with its own code: unknown_trigger)."""
    triggers = PROCESSES[kind].triggers
    return type(f"{kind.capitalize()}TransitionIn", (TransitionIn,), {
        "trigger": text(32, required=True, metadata={"enum": list(triggers)})})


class SigningRequestOut(Base):
    id = Str(metadata={"description": "send it back with the signature"})
    digest = Str(metadata={"description": "hex SHA-256 of the prepared byte ranges: what "
                                          "the CMS signs"})
    digest_algorithm = Str()
    field = Str(metadata={"description": "the signature field"})
    pdf = Str(metadata={"description": "base64 of the printed PDF (for a signing plugin)"})
    pdf_sha256 = Str()
    # «Ban hành» by the Văn thư's own token: what a plugin that returns the whole signed
    # PDF fills in (NĐ 30 Điều 15), and where the seal goes
    number_field = Str(metadata={"description": "issue only: the number's form field"})
    number_text = Str(metadata={"description": "issue only: the number to fill in"})
    date_field = Str(metadata={"description": "issue only: the place-and-date form field"})
    date_text = Str(metadata={"description": "issue only: the place and date to fill in"})
    seal_mm = fields.Float(metadata={"description": "issue only: the seal's real size (mm)"})
    spec = fields.Dict(metadata={"description": "issue only: the whole layout of the update"})


class SigningPendingOut(Base):
    state = Str(metadata={"description": "unchanged until the signature comes back"})
    version = fields.Integer()
    message = Str()
    signing_request = fields.Nested(SigningRequestOut)


class ActionOut(Base):
    trigger = Str()
    label = Str()
    to_state = Str()
    comment_required = fields.Boolean()
    confirm = Str(allow_none=True, metadata={"description": "the question to ask before firing"})
    allowed = fields.Boolean()
    reasons = fields.List(Str())
    tone = Str(metadata={"enum": ["forward", "back", "stop"],
                         "description": "forward, back (returns the work) or stop (ends it)"})
    inputs = fields.List(Str(metadata={"enum": ["number", "issued_on", "authority",
                                                "expected_number", "expected_issued_on",
                                                "signing_request", "signature",
                                                "signed_pdf"]}), metadata={
        "description": "what may be sent with the step (all optional): the number and date "
                       "the register keeper gave, the signer's authority, the next number "
                       "and the day confirmed when no number or date is given"})


class ActionsOut(Base):
    state = Str()
    state_label = Str()
    version = fields.Integer()
    actions = fields.List(fields.Nested(ActionOut))


class EventOut(Base):
    id = fields.Integer()
    trigger = Str()
    role = Str()
    from_state = Str()
    to_state = Str()
    comment = Str(allow_none=True)
    content_sha256 = Str()
    created_at = UtcDateTime()
    actor = fields.Function(lambda e: {"id": e.actor.id, "username": e.actor.username,
                                       "full_name": e.actor.full_name} if e.actor else None)


class PaperIssueIn(Base):
    number = fields.Integer(allow_none=True, validate=validate.Range(min=1), metadata={
        "description": "the number the Văn thư gives; empty: the register's next one"})
    issued_on = fields.Date(allow_none=True, metadata={
        "description": "only today (the day of the organisation's signature) is accepted"})
    version = fields.Integer(allow_none=True)


class PaperSignatureOut(Base):
    role = Str()
    signer = Str()
    organisation = Str(allow_none=True)
    when = UtcDateTime(allow_none=True)
    valid = fields.Boolean()
    summary = Str(allow_none=True)


class PaperPanelOut(Base):
    paper = Str(metadata={"description": "the document's name (…/documents/{name})"})
    kind = Str()
    signed = fields.Boolean(metadata={"description": "false: the paper path, «chưa ký số»"})
    label = Str()
    note = Str(allow_none=True)
    name = Str(metadata={"description": "the signed PDF at …/paper-pdfs/{name}"})
    sha256 = Str()
    filename = Str()
    valid = fields.Boolean()
    original = fields.Boolean(metadata={
        "description": "an electronic original: signed and sealed by the body's Văn thư"})
    awaiting_clerk = fields.Boolean()
    signatures = fields.List(fields.Nested(PaperSignatureOut))


class DocumentOut(Base):
    name = Str(metadata={"description": "stable name, used in the download URL"})
    kind = Str()
    final = fields.Boolean(metadata={"description": "false: a draft generated on demand"})
    filename = Str()
    sha256 = Str(allow_none=True)
    size = fields.Integer(allow_none=True)
    created_at = UtcDateTime(allow_none=True)
    pdf = fields.Boolean(metadata={
        "description": "a final formal paper: its issuable PDF/A-2b is at …/documents/{name}/pdf"})
    pdf_sha256 = Str(allow_none=True, metadata={
        "description": "SHA-256 of the kept PDF, once made (on its first download)"})
    pdf_size = fields.Integer(allow_none=True)


class VersionArg(Base):
    # A query string is text: "?version=3" must read as 3 (strict would refuse every value).
    version = fields.Integer(metadata={"description": "expected current version"})


class WorkflowItem(Base):
    _kind = None  # set by each item schema: which process names the states
    id = fields.Integer()
    state = Str()
    state_label = fields.Method("get_state_label")
    version = fields.Integer()
    state_changed_at = UtcDateTime()
    created_at = UtcDateTime()
    updated_at = UtcDateTime()

    def get_state_label(self, item):
        return state_label(self._kind, item.state)


# -- campaigns --------------------------------------------------------------------------------

_CONTENT = rules.CAMPAIGN["contents"].rules
_TARGET = _CONTENT["targets"].rules


class TargetIn(Base):
    label = ruled(_TARGET["label"], required=True)
    measure_unit = ruled(_TARGET["measure_unit"], load_default="")
    comparison = Str(load_default=">=", validate=validate.OneOf([">=", "<=", "="]))
    value = ruled(_TARGET["value"], required=True)
    applies_to_kinds = fields.List(
        Str(validate=validate.OneOf(UNIT_KINDS)), load_default=list,
        metadata={"description": "the kinds of unit the target applies to; with "
                                 "applies_to_units empty too, every participating unit"})
    applies_to_units = fields.List(
        Str(validate=validate.Length(max=32)), load_default=list,
        metadata={"description": "unit codes the target applies to (besides those kinds)"})


class ContentIn(Base):
    title = ruled(_CONTENT["title"], required=True)
    description = ruled(_CONTENT["description"], load_default="")
    targets = fields.List(fields.Nested(TargetIn), load_default=list)


class AwardFormQuotaIn(Base):
    code = text(32, required=True)
    quota_per_unit = ruled(rules.CAMPAIGN["award_forms"].rules["quota_per_unit"],
                           allow_none=True, strict=True)


class CampaignFields(Base):
    title = ruled(rules.CAMPAIGN["title"], non_empty=True)
    theme = ruled(rules.CAMPAIGN["theme"])
    purpose = ruled(rules.CAMPAIGN["purpose"])
    implementation = ruled(rules.CAMPAIGN["implementation"])
    launch_type = Str(validate=validate.OneOf(LAUNCH_TYPES))
    launch_number = ruled(rules.CAMPAIGN["launch_number"], allow_none=True)
    launch_date = fields.Date(allow_none=True)
    period_start = fields.Date()
    period_end = fields.Date()
    plan_deadline = fields.Date(allow_none=True)
    dossier_deadline = fields.Date(allow_none=True)
    accepts_late = fields.Boolean()
    unsent_plan = Str(validate=validate.OneOf(list(UNSENT_PLAN_RULES)), metadata={
        "description": "a dossier whose unit never sent its plan: warn (in the appraisal "
                       "checklist; the default) or block (its appraisal cannot be completed)"})
    vote_threshold = ruled(rules.CAMPAIGN["vote_threshold"])
    contents = fields.List(fields.Nested(ContentIn))
    award_forms = fields.List(fields.Nested(AwardFormQuotaIn))
    participants = fields.List(Str(), metadata={"description": "unit codes"})
    signer = Str(allow_none=True, metadata={"description": "username of the signing Chairman"})
    launch_recipients = Str(allow_none=True, metadata={"description": "distribution list code"})
    decision_recipients = Str(allow_none=True,
                              metadata={"description": "distribution list code"})
    year = ruled(rules.YEAR, allow_none=True, strict=True,
                 metadata={"description": "a regular year's number"})
    registration_deadline = fields.Date(allow_none=True, metadata={
        "description": "a regular year: the units' registration (đăng ký thi đua) deadline"})
    block_unregistered = fields.Boolean(metadata={
        "description": "a regular year: a title nominee with no matching registration is "
                       "blocked (true) or only flagged to the appraiser (false, the default)"})


class CampaignCreate(CampaignFields):
    code = Str(required=True, metadata={"pattern": rules.CAMPAIGN_CODE.pattern})
    kind = Str(validate=validate.OneOf(list(CAMPAIGN_KINDS)), load_default="movement",
               metadata={"description": "movement (a phong trào thi đua) or regular (a "
                                        "year's regular emulation, with registrations)"})
    issuer_unit = Str(metadata={"description": "code of the issuing unit (default: the province)"})
    title = ruled(rules.CAMPAIGN["title"], required=True, non_empty=True)
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)


class CampaignPatch(CampaignFields):
    version = fields.Integer(required=True, strict=True)


class TargetOut(Base):
    id = fields.Integer()
    position = fields.Integer()
    label = Str()
    measure_unit = Str()
    comparison = Str()
    value = fields.Float()
    applies_to_kinds = fields.List(Str(), metadata={
        "description": "kinds of unit it applies to; empty with applies_to_units: every unit"})
    applies_to_units = fields.List(Str(), metadata={"description": "unit codes it applies to"})


class ContentOut(Base):
    id = fields.Integer()
    position = fields.Integer()
    title = Str()
    description = Str()
    targets = fields.List(fields.Nested(TargetOut))


class CampaignAwardFormOut(Base):
    code = fields.Function(lambda f: f.award_form.code)
    name = fields.Function(lambda f: f.award_form.name)
    quota_per_unit = fields.Integer(allow_none=True)


class CampaignSummary(WorkflowItem):
    _kind = "campaign"
    code = Str()
    kind = Str()
    year = fields.Integer(allow_none=True)
    registration_deadline = fields.Date(allow_none=True)
    block_unregistered = fields.Boolean()
    title = Str()
    period_start = fields.Date()
    period_end = fields.Date()
    plan_deadline = fields.Date(allow_none=True)
    dossier_deadline = fields.Date(allow_none=True)


class CampaignOut(CampaignSummary):
    theme = Str()
    purpose = Str()
    implementation = Str()
    issuer = fields.Nested(UnitRef)
    launch_type = Str()
    launch_number = Str(allow_none=True)
    launch_date = fields.Date(allow_none=True)
    accepts_late = fields.Boolean()
    unsent_plan = Str(metadata={"description": "warn or block (see CampaignCreate)"})
    vote_threshold = fields.Float()
    launched_at = UtcDateTime(allow_none=True)
    closed_at = UtcDateTime(allow_none=True)
    contents = fields.List(fields.Nested(ContentOut))
    award_forms = fields.List(fields.Nested(CampaignAwardFormOut))
    participant_count = fields.Function(
        participant_count, metadata={"description": "the units, paged: GET …/{id}/progress"})


class ProgressArgs(PageArgs):
    state = Str(metadata={"description": "units whose plan or dossier is in this state"})
    of = Str(validate=validate.OneOf(["plan", "dossier"]),
             metadata={"description": "the state filter looks at the plan only, or at the "
                                      "dossier only"})
    overdue = Str(validate=validate.OneOf(["plan", "dossier"]),
                  metadata={"description": "units whose plan (or dossier) is past its "
                                           "deadline and not sent"})
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class ProgressRow(Base):
    unit_id = fields.Integer()
    unit_code = Str()
    unit_name = Str()
    plan_id = fields.Integer(allow_none=True)
    plan_state = Str(allow_none=True)
    dossier_id = fields.Integer(allow_none=True)
    dossier_state = Str(allow_none=True)
    nominees = fields.Integer(allow_none=True, metadata={"description": "in the dossier"})


class ProgressPage(Base):
    items = fields.List(fields.Nested(ProgressRow))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    counts = fields.Dict(keys=Str(), values=fields.Dict(keys=Str(), values=fields.Integer()),
                         metadata={"description": "plans and dossiers by state, all units"})


class CampaignListArgs(PageArgs):
    state = Str(validate=validate.OneOf(list(CAMPAIGN.states)))


# -- plans ---------------------------------------------------------------------------------------

class SectionIn(Base):
    content_id = fields.Integer(required=True, strict=True)
    text = ruled(rules.PLAN["sections"].rules["text"], required=True)


class FigureIn(Base):
    target_id = fields.Integer(required=True, strict=True)
    value = ruled(rules.FIGURES.rules["value"], required=True)
    note = ruled(rules.FIGURES.rules["note"], load_default="")


class ExemptionIn(Base):
    """A target marked «Không áp dụng» for the unit, with the reason (required)."""
    target_id = fields.Integer(required=True, strict=True)
    reason = ruled(rules.PLAN["exemptions"].rules["reason"], required=True)


class PlanPatch(Base):
    version = fields.Integer(required=True, strict=True)
    summary = ruled(rules.PLAN["summary"])
    sections = fields.List(fields.Nested(SectionIn))
    commitments = fields.List(fields.Nested(FigureIn))
    exemptions = fields.List(fields.Nested(ExemptionIn), metadata={
        "description": "the targets that do not apply to the unit; replaces the previous "
                       "list, and an exempt target's figure is dropped"})


class SectionOut(Base):
    content_id = fields.Integer()
    text = Str()


class FigureOut(Base):
    target_id = fields.Integer()
    value = fields.Float()
    note = Str()


class SubmissionSummary(WorkflowItem):
    campaign_id = fields.Integer()
    unit = fields.Nested(UnitRef)
    submitted_at = UtcDateTime(allow_none=True)
    late = fields.Boolean()


class PlanSummary(SubmissionSummary):
    _kind = "plan"


class ExemptionOut(Base):
    target_id = fields.Integer()
    reason = Str()


class PlanOut(PlanSummary):
    summary = Str()
    sections = fields.List(fields.Nested(SectionOut))
    commitments = fields.List(fields.Nested(FigureOut))
    exemptions = fields.List(fields.Nested(ExemptionOut))


class SubmissionListArgs(PageArgs):
    campaign_id = fields.Integer()
    unit_id = fields.Integer()
    state = Str()


# -- registrations (đăng ký thi đua) -------------------------------------------------------------

_REG_ENTRY = rules.REGISTRATION["entries"].rules


class RegistrationEntryIn(Base):
    kind = Str(required=True, validate=validate.OneOf(["collective", "individual"]))
    name = ruled(_REG_ENTRY["name"], required=True)
    position_title = ruled(_REG_ENTRY["position_title"], load_default="")
    organisation = ruled(_REG_ENTRY["organisation"], load_default="")
    award_form = text(32, required=True, metadata={
        "description": "code of a title (danh hiệu) the year offers; never a Bằng khen or "
                       "Giấy khen"})


class RegistrationPatch(Base):
    version = fields.Integer(required=True, strict=True)
    note = ruled(rules.REGISTRATION["note"])
    entries = fields.List(fields.Nested(RegistrationEntryIn), metadata={
        "description": "the titles aimed for: replaces the previous list"})


class RegistrationEntryOut(Base):
    kind = Str()
    name = Str()
    position_title = Str()
    organisation = Str()
    award_form = fields.Function(lambda e: e.award_form.code)
    award_form_name = fields.Function(lambda e: e.award_form.name)


class RegistrationSummary(SubmissionSummary):
    _kind = "registration"
    number = fields.Integer(allow_none=True)
    symbol = Str(allow_none=True)
    signed_on = fields.Date(allow_none=True)


class RegistrationOut(RegistrationSummary):
    note = Str()
    entries = fields.List(fields.Nested(RegistrationEntryOut))


RegistrationPage = page_of(RegistrationSummary, "RegistrationPage")


class RegistrationStatusArgs(PageArgs):
    show = Str(validate=validate.OneOf(["registered", "unregistered", "late"]), metadata={
        "description": "registered (sent to the Board), unregistered, or late (past the "
                       "deadline and not sent)"})
    q = text(120, metadata={"description": "part of the unit's name or code"})
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class RegistrationStatusRow(Base):
    unit_id = fields.Integer()
    unit_code = Str()
    unit_name = Str()
    registration_id = fields.Integer(allow_none=True)
    state = Str(allow_none=True)
    late = fields.Boolean(allow_none=True)
    submitted_at = UtcDateTime(allow_none=True)
    entries = fields.Integer(allow_none=True, metadata={"description": "titles registered"})
    granted = fields.Integer(metadata={
        "description": "titles (danh hiệu) granted to the unit in the year: its nominees in "
                       "issued decisions, not struck"})


class RegistrationCounts(Base):
    units = fields.Integer()
    registered = fields.Integer()
    unregistered = fields.Integer()
    by_state = fields.Dict(keys=Str(), values=fields.Integer())


class RegistrationStatusPage(Base):
    items = fields.List(fields.Nested(RegistrationStatusRow))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    counts = fields.Nested(RegistrationCounts)


class RemindersOut(Base):
    units = fields.Integer(metadata={"description": "units reminded"})
    messages = fields.Integer(metadata={"description": "messages written to the outbox"})


# -- dossiers -----------------------------------------------------------------------------------

class DossierPatch(Base):
    version = fields.Integer(required=True, strict=True)
    summary = ruled(rules.DOSSIER["summary"])
    council_meeting_date = fields.Date(allow_none=True)
    council_members_total = ruled(rules.DOSSIER["council_members_total"], allow_none=True,
                                  strict=True)
    council_members_present = ruled(rules.DOSSIER["council_members_present"], allow_none=True,
                                    strict=True)
    council_chair = ruled(rules.DOSSIER["council_chair"])
    council_secretary = ruled(rules.DOSSIER["council_secretary"])
    # the minutes (biên bản): its number, the meeting's times, members present one a line
    council_minutes_number = MinutesNumber(allow_none=True, metadata={
        "oneOf": [{"type": "integer", "minimum": 1, "maximum": 999999},
                  {"type": "string", "maxLength": 48,
                   "pattern": rules.MINUTES_NUMBER.pattern}],
        "example": "12/BB-HĐTĐKT",
        "description": "the number alone, or with its ký hiệu as the council's book writes "
                       "it (12/BB-HĐTĐKT)"})
    council_started_at = fields.Time(allow_none=True)
    council_ended_at = fields.Time(allow_none=True)
    council_members = ruled(rules.DOSSIER["council_members"])
    results = fields.List(fields.Nested(FigureIn))


class NomineeFields(Base):
    kind = Str(validate=validate.OneOf(NOMINEE_KINDS))
    name = ruled(rules.NOMINEE["name"], non_empty=True)
    title = Str(validate=validate.OneOf(["", "Ông", "Bà"]))
    position_title = ruled(rules.NOMINEE["position_title"])
    organisation = ruled(rules.NOMINEE["organisation"])
    award_form = text(32, metadata={"description": "award form code"})
    achievement_summary = ruled(rules.NOMINEE["achievement_summary"])
    votes_for = ruled(rules.NOMINEE["votes_for"], allow_none=True, strict=True)
    version = fields.Integer(strict=True, metadata={"description": "dossier version"})


class NomineeCreate(NomineeFields):
    kind = Str(required=True, validate=validate.OneOf(NOMINEE_KINDS))
    name = ruled(rules.NOMINEE["name"], required=True, non_empty=True)
    award_form = text(32, required=True)


class VerdictIn(Base):
    verdict = Str(required=True, validate=validate.OneOf(VERDICTS))
    reason = ruled(rules.WHY, allow_none=True)
    version = fields.Integer(strict=True)


class VerdictsIn(Base):
    """Verdicts on several nominees at once; one reason for every declined one."""
    accepted = fields.List(fields.Integer(strict=True), load_default=list)
    declined = fields.List(fields.Integer(strict=True), load_default=list)
    reason = ruled(rules.WHY, allow_none=True)
    version = fields.Integer(strict=True)


class EarlierAwardOut(Base):
    """An award the nominee received before (the award history)."""
    record_id = fields.Integer()
    form_name = Str()
    year = fields.Integer()
    decision_number = Str()
    decided_on = fields.Date()
    issuing_level = Str()
    unit_name = Str()
    campaign_title = Str(allow_none=True)


class AwardFlagOut(Base):
    """What the appraisal should look at twice: ``awarded_same_year`` and
    ``proposed_same_year`` (one achievement, one award), ``rule_block`` and ``rule_warn``
    (an eligibility rule not met: see ``eligibility``)."""
    code = Str(validate=validate.OneOf(["awarded_same_year", "proposed_same_year",
                                        "rule_block", "rule_warn"]))
    message = Str()


class EvidenceOut(Base):
    """One thing a rule read: an award (its decision), a rating, an initiative, a member
    of the collective, a hold; ``counted`` False when it was read but does not count (a
    chuyên đề award for công trạng, one before the end of a discipline period)."""
    what = Str(validate=validate.OneOf(["award", "rating", "initiative", "member", "hold"]))
    year = fields.Integer(allow_none=True)
    counted = fields.Boolean()
    text = Str()
    record_id = fields.Integer(allow_none=True)
    decision_number = Str(allow_none=True)
    decided_on = fields.Date(allow_none=True)


class RuleVerdictOut(Base):
    """One eligibility rule beside a nominee: met or not, whether an unmet one blocks or
    warns, the version applied (the one in force when the Board received the dossier, or a
    later one marked more favourable), and its evidence."""
    code = Str()
    label = Str()
    severity = Str(validate=validate.OneOf(["block", "warn"]))
    met = fields.Boolean()
    summary = Str()
    condition_text = Str()
    version = fields.Date()
    kept_version = fields.Date()
    more_favourable = fields.Boolean()
    source_note = Str()
    evidence = fields.List(fields.Nested(EvidenceOut))


class NomineeOut(Base):
    id = fields.Integer()
    dossier_id = fields.Integer()
    position = fields.Integer()
    kind = Str()
    name = Str()
    title = Str()
    position_title = Str()
    organisation = Str()
    award_form = fields.Function(lambda n: n.award_form.code)
    award_form_name = fields.Function(lambda n: n.award_form.name)
    achievement_summary = Str()
    votes_for = fields.Integer(allow_none=True)
    verdict = Str(allow_none=True)
    verdict_reason = Str(allow_none=True)
    decision_id = fields.Integer(allow_none=True)
    struck = fields.Boolean()
    strike_reason = Str(allow_none=True)
    # in GET /dossiers/{id}: the award history beside each nominee (the appraisal's view)
    earlier_awards = fields.List(fields.Nested(EarlierAwardOut))
    flags = fields.List(fields.Nested(AwardFlagOut))
    eligibility = fields.List(fields.Nested(RuleVerdictOut))


class AttachmentOut(Base):
    id = fields.Integer()
    kind = Str()
    nominee_id = fields.Integer(allow_none=True)
    filename = Str()
    content_type = Str()
    size = fields.Integer()
    sha256 = Str()
    uploaded_at = UtcDateTime()


class AttachmentUpload(Base):
    """One multipart/form-data body: the paper's kind, its nominee, and the file."""

    kind = text(32, required=True)
    nominee_id = fields.Integer()
    version = fields.Integer()
    file = Upload(required=True)


class SignedScanUpload(Base):
    """multipart/form-data: the scan (PDF) of the signed paper, and the version read."""

    version = fields.Integer()
    file = Upload(required=True)


class PaperPrintIn(Base):
    """«In bản giấy» of an electronically issued decision (NĐ 30 Điều 18 k5)."""

    copies = fields.Integer(required=True, strict=True,
                            validate=validate.Range(min=1, max=100),
                            metadata={"description": "how many paper copies are printed"})
    version = fields.Integer()


class RecallIn(Base):
    """«Thu hồi» an issued decision sent in error (Office; NĐ 30 Điều 18 k4)."""

    reason = ruled(rules.WHY, required=True, metadata={
        "minLength": 1, "description": "Required: why it is recalled (not empty)."})
    version = fields.Integer(strict=True)


class AmendmentIn(Base):
    """A draft decision that cancels (hủy bỏ) or replaces (thay thế) an issued one."""

    act = Str(required=True, validate=validate.OneOf(["cancel", "replace"]))
    reason = ruled(rules.WHY, required=True, metadata={
        "minLength": 1, "description": "Required: why the decision is cancelled or replaced."})


class SignedScanCorrection(SignedScanUpload):
    """multipart/form-data: the new scan (PDF) of an issued decision and why it replaces
    the official one."""

    reason = ruled(rules.WHY, required=True)


class DossierSummary(SubmissionSummary):
    _kind = "dossier"


class DossierOut(DossierSummary):
    summary = Str()
    council_meeting_date = fields.Date(allow_none=True)
    council_members_total = fields.Integer(allow_none=True)
    council_members_present = fields.Integer(allow_none=True)
    council_chair = Str()
    council_secretary = Str()
    council_minutes_number = fields.Integer(allow_none=True)
    council_minutes_symbol = Str(allow_none=True)  # typed with the number; null: BB-{council}
    council_started_at = fields.Time(allow_none=True)
    council_ended_at = fields.Time(allow_none=True)
    council_members = Str()
    appraisal_started_at = UtcDateTime(allow_none=True)
    results = fields.List(fields.Nested(FigureOut))
    nominees = fields.List(fields.Nested(NomineeOut))
    attachments = fields.List(fields.Nested(AttachmentOut))


class CheckOut(Base):
    code = Str()
    label = Str()
    ok = fields.Boolean()
    detail = Str(allow_none=True)
    warning = fields.Boolean(metadata={"description": "a failed check that only warns"})


class ChecklistOut(Base):
    dossier_id = fields.Integer()
    checks = fields.List(fields.Nested(CheckOut))


# -- decisions ------------------------------------------------------------------------------------

class DecisionCreate(Base):
    campaign_id = fields.Integer(required=True, strict=True)
    award_form = text(32, required=True)
    title = ruled(rules.DECISION["title"])
    dossier_ids = fields.List(fields.Integer(strict=True),
                              validate=validate.Length(min=1, max=5000), metadata={
        "description": "Appraised dossiers whose accepted nominees of this award form (in no "
                       "decision yet) the draft starts with; without it the draft starts "
                       "empty"})


class DecisionPatch(Base):
    version = fields.Integer(required=True, strict=True)
    title = ruled(rules.DECISION["title"])


class NomineeIdsIn(Base):
    nominee_ids = fields.List(fields.Integer(strict=True), required=True,
                              validate=validate.Length(min=1, max=5000))
    version = fields.Integer(strict=True)


class StrikeIn(Base):
    struck = fields.Boolean(load_default=True)
    reason = ruled(rules.WHY, allow_none=True, metadata={
        "description": "Required to strike (struck true, the default): not empty, not only "
                       "spaces. Not needed to restore a nominee (struck false)."})
    version = fields.Integer(strict=True)


class StrikesIn(Base):
    """Strike several nominees at once, with one reason (required)."""
    nominee_ids = fields.List(fields.Integer(strict=True), required=True)
    reason = ruled(rules.WHY, required=True, metadata={
        "minLength": 1, "description": "Required: not empty, not only spaces."})
    version = fields.Integer(strict=True)


class DecisionSummary(WorkflowItem):
    _kind = "decision"
    campaign_id = fields.Integer()
    award_form = fields.Function(lambda d: d.award_form.code)
    title = Str()
    proposal_number = Str(attribute="proposal_label", allow_none=True)
    proposal_date = fields.Date(allow_none=True)
    number = Str(attribute="number_label", allow_none=True)
    issued_on = fields.Date(allow_none=True)
    act = Str(allow_none=True, metadata={
        "description": "null: it awards; cancel / replace: it acts on decision amends_id"})
    amends_id = fields.Integer(allow_none=True)
    act_reason = Str(allow_none=True)
    recalled_at = UtcDateTime(allow_none=True, metadata={
        "description": "set when the Office recalled it (thu hồi); its awards are unchanged"})
    recall_reason = Str(allow_none=True)


class DecisionOut(DecisionSummary):
    nominees = fields.List(fields.Nested(NomineeOut), attribute="shown_nominees", metadata={
        "description": "a unit reads only its own unit's nominees"})
    recipients = fields.List(fields.Nested("EntryOut"))


class DecisionListArgs(PageArgs):
    campaign_id = fields.Integer()
    state = Str()


# -- notifications and distribution lists ------------------------------------------------------

class NotificationOut(Base):
    id = fields.Integer()
    item_type = Str()
    item_id = fields.Integer()
    template = Str()
    subject = fields.Function(lambda m: m.payload.get("subject") or (
        f"{m.payload.get('trigger_label', '')}: {m.payload.get('title', '')}"))
    comment = fields.Function(lambda m: m.payload.get("comment"))
    created_at = UtcDateTime()
    read_at = UtcDateTime(allow_none=True)
    status = Str(metadata={"description": "pending, sending, sent, failed, in_app (no e-mail)"})


class NotificationListArgs(PageArgs):
    unread = fields.Boolean(load_default=False)


NotificationPage = type("NotificationPage", (Base,), {
    "items": fields.List(fields.Nested(NotificationOut)),
    "total": fields.Integer(), "unread": fields.Integer(),
    "page": fields.Integer(), "per_page": fields.Integer()})


class MarkReadIn(Base):
    ids = fields.List(fields.Integer(strict=True), metadata={"description": "omit: all"})


class ResendAllOut(Base):
    queued = fields.Integer(metadata={"description": "failed messages queued again"})


class DeliveryOut(Base):
    id = fields.Integer()
    template = Str()
    recipient_name = Str()
    recipient_email = Str(allow_none=True)
    status = Str()
    attempts = fields.Integer()
    last_error = Str(allow_none=True)
    next_attempt_at = UtcDateTime()
    sent_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()
    item_type = Str()
    item_id = fields.Integer()
    channel = Str(metadata={"description": "mail, or edxml (a package to the axis)"})
    send_id = Str(allow_none=True, metadata={"description": "an edXML package's stable send "
                                             "id: every copy of it carries the same"})


class ReceiptOut(Base):
    """A recipient of a decision's edXML package and its latest status (01–06)."""
    organ_id = Str()
    name = Str()
    send_state = Str(metadata={"description": "the package's outbox state"})
    sent_at = UtcDateTime(allow_none=True)
    status_code = Str(allow_none=True)
    status_name = Str(allow_none=True)
    reason = Str(allow_none=True, metadata={"description": "a 02's reason"})
    stated_at = UtcDateTime(allow_none=True, metadata={
        "description": "when the recipient stated it (UTC)"})


class MissingOrgan(Base):
    organ_id = Str()
    name = Str()


class NotReceivedDecision(Base):
    decision_id = fields.Integer()
    label = Str()
    missing = fields.List(fields.Nested(MissingOrgan))


class NotReceivedOut(Base):
    working_days = fields.Integer()
    count = fields.Integer()
    decisions = fields.List(fields.Nested(NotReceivedDecision), metadata={
        "description": "the first 20"})


class StatusTakenOut(Base):
    stored = fields.Boolean(metadata={"description": "false: the same message was kept before"})


class OutboxListArgs(PageArgs):
    status = Str(load_default="failed",
                 validate=validate.OneOf(["pending", "sending", "sent", "failed", "in_app"]))


DeliveryPage = page_of(DeliveryOut, "DeliveryPage")


class EntryIn(Base):
    label = ruled(rules.ENTRIES.rules["label"], required=True)
    email = ruled(rules.ENTRIES.rules["email"], allow_none=True)
    organ_id = ruled(rules.ENTRIES.rules["organ_id"], allow_none=True, metadata={
        "description": "the recipient's body on the document axis; empty: by mail only"})


class EntryOut(Base):
    position = fields.Integer()
    label = Str()
    email = Str(allow_none=True)
    organ_id = Str(allow_none=True)


class DistributionListIn(Base):
    name = ruled(rules.DISTRIBUTION_LIST["name"], required=True)
    entries = fields.List(fields.Nested(EntryIn), required=True)


class DistributionListOut(Base):
    code = Str()
    name = Str()
    entries = fields.List(fields.Nested(EntryOut))


class RecipientsIn(Base):
    entries = fields.List(fields.Nested(EntryIn), required=True)
    version = fields.Integer(strict=True)


# -- inbox --------------------------------------------------------------------------------------

class InboxItem(Base):
    kind = Str()
    id = fields.Integer()
    state = Str()
    state_label = Str()
    campaign_id = fields.Integer()
    campaign_title = Str()
    unit_id = fields.Integer(allow_none=True)
    unit_name = Str(allow_none=True)
    deadline = fields.Date(allow_none=True)
    overdue = fields.Boolean()
    waiting_since = UtcDateTime()
    url = Str()


class InboxArgs(PageArgs):
    kind = Str(validate=validate.OneOf(list(PROCESSES)))
    campaign_id = fields.Integer()


InboxPage = page_of(InboxItem, "InboxPage")
CampaignPage = page_of(CampaignSummary, "CampaignPage")
PlanPage = page_of(PlanSummary, "PlanPage")
DossierPage = page_of(DossierSummary, "DossierPage")
DecisionPage = page_of(DecisionSummary, "DecisionPage")


# -- the award history -----------------------------------------------------------------------

class AwardSearchArgs(PageArgs):
    q = Str(load_default="", validate=validate.Length(max=255),
            metadata={"description": "a name or part of it, with or without diacritics"})


class AwardSubjectOut(Base):
    """One person or collective found: its awards counted, its unit and years to tell
    namesakes apart; ``id`` opens its history."""
    id = fields.Integer()
    name = Str()
    subject_kind = Str()
    title = Str()
    organisation = Str()
    unit_name = Str()
    first_year = fields.Integer()
    last_year = fields.Integer()
    awards = fields.Integer()
    rank = fields.Integer(metadata={"description": "0 exact name, 1 a word starts with q, "
                                                   "2 q inside a word"})


AwardSearchPage = type("AwardSearchPage", (Base,), {
    "items": fields.List(fields.Nested(AwardSubjectOut)), "total": fields.Integer(),
    "page": fields.Integer(), "per_page": fields.Integer(), "q": Str()})


class FlagOfRecordOut(Base):
    id = fields.Integer()
    year = fields.Integer()
    cluster_name = Str()
    votes = fields.Integer(allow_none=True)
    voters = fields.Integer(allow_none=True)


class AwardRecordOut(Base):
    id = fields.Integer()
    source = Str(validate=validate.OneOf(["system", "import"]))
    name = Str()
    subject_kind = Str()
    organisation = Str()
    unit_id = fields.Integer(allow_none=True)
    unit_name = Str()
    award_form_id = fields.Integer()
    form_name = Str()
    decision_id = fields.Integer(allow_none=True)
    decision_number = Str()
    decided_on = fields.Date()
    year = fields.Integer()
    issuer_name = Str()
    issuing_level = Str()
    campaign_id = fields.Integer(allow_none=True)
    campaign_title = Str(allow_none=True)
    money = fields.Integer(allow_none=True, metadata={"description": "đồng; empty when unknown"})
    cancelled = fields.Boolean(metadata={
        "description": "cancelled by a later decision (hủy bỏ quyết định khen thưởng)"})
    cancelled_by_id = fields.Integer(allow_none=True)
    cancelled_on = fields.Date(allow_none=True)
    recover_objects = Str(allow_none=True, metadata={
        "description": "the award's object the awardee gives back (\"Bằng khen\")"})
    recover_money = fields.Integer(allow_none=True, metadata={
        "description": "đồng: the award money to recover"})
    flag = fields.Nested(FlagOfRecordOut, allow_none=True, metadata={
        "description": "a Cờ thi đua: its own record (year, the cluster that proposed it)"})


class AwardSubjectBrief(Base):
    """Whose history: the record it was opened from."""
    id = fields.Integer()
    name = Str()
    subject_kind = Str()
    title = Str()
    position_title = Str()
    organisation = Str()


class AwardHistoryOut(Base):
    subject = fields.Nested(AwardSubjectBrief)
    awards = fields.List(fields.Nested(AwardRecordOut))


# -- the Board's overview (dashboard) -----------------------------------------------------------

class StateCount(Base):
    state = Str()
    label = Str()
    count = fields.Integer()


class NomineeCount(Base):
    status = Str(metadata={"description": "proposed, accepted, declined, struck or awarded"})
    label = Str()
    count = fields.Integer()


class StatusCounts(Base):
    proposed = fields.Integer()
    accepted = fields.Integer()
    declined = fields.Integer()
    struck = fields.Integer()
    awarded = fields.Integer()


class FormCounts(StatusCounts):
    code = Str()
    name = Str()


class KindCounts(StatusCounts):
    kind = Str()
    label = Str()


class Overdue(Base):
    plan = fields.Integer()
    dossier = fields.Integer()


class Deadlines(Base):
    plan = fields.Date(allow_none=True)
    dossier = fields.Date(allow_none=True)


class CampaignRef(Base):
    id = fields.Integer()
    code = Str()
    title = Str()
    state = Str()


class CampaignOverviewOut(Base):
    campaign = fields.Nested(CampaignRef)
    plans = fields.List(fields.Nested(StateCount))
    dossiers = fields.List(fields.Nested(StateCount))
    overdue = fields.Nested(Overdue, metadata={
        "description": "plans and dossiers past the deadline and not sent to the Board"})
    deadlines = fields.Nested(Deadlines)
    nominees = fields.List(fields.Nested(NomineeCount))
    by_form = fields.List(fields.Nested(FormCounts))
    by_unit_kind = fields.List(fields.Nested(KindCounts))


class AwardTotal(Base):
    count = fields.Integer()
    money = fields.Integer(metadata={"description": "đồng"})


class YearTotal(AwardTotal):
    units = fields.Integer()


class YearForm(AwardTotal):
    code = Str()
    name = Str()


class YearUnit(AwardTotal):
    unit_id = fields.Integer(allow_none=True)
    name = Str()


class YearKind(AwardTotal):
    kind = Str(allow_none=True)
    label = Str()


class YearOverviewOut(Base):
    year = fields.Integer()
    total = fields.Nested(YearTotal)
    by_form = fields.List(fields.Nested(YearForm))
    by_unit = fields.List(fields.Nested(YearUnit), metadata={
        "description": "the units with most awards (at most 20)"})
    by_unit_kind = fields.List(fields.Nested(YearKind))


class NomineeListArgs(Base):
    status = Str(validate=validate.OneOf(["proposed", "accepted", "declined", "struck",
                                          "awarded"]))
    form = Str(metadata={"description": "award form code"})
    unit_kind = Str(validate=validate.OneOf(list(UNIT_KINDS)))


class RegisterArgs(Base):
    form = Str(metadata={"description": "award form code"})
    unit_id = fields.Integer()
    unit_kind = Str(validate=validate.OneOf(list(UNIT_KINDS)))
    outside = fields.Boolean(metadata={"description": "units the system does not hold"})
    unit_name = Str(metadata={"description": "with outside: the unit so named"})


class ExcelUpload(Base):
    """One multipart/form-data body: the filled-in .xlsx list."""

    file = Upload(required=True)
    version = fields.Integer()


class ImportedOut(Base):
    imported = fields.Integer()


# -- verification for anyone (POST /api/v1/verify) ----------------------------------------


class VerifyUpload(Base):
    """One multipart/form-data body: the PDF to verify."""

    file = Upload(required=True)


class SignatureCheck(Base):
    number = fields.Integer(metadata={"description": "1, 2, … in the file's order"})
    kind = Str(validate=validate.OneOf(["signature", "document_timestamp"]))
    kind_text = Str()
    signer = Str(metadata={"description": "the certificate's common name"})
    organisation = Str(metadata={"description": "the certificate's organisation"})
    signed_at = Str(allow_none=True, metadata={
        "format": "date-time",
        "description": "ISO 8601 in Asia/Ho_Chi_Minh (+07:00): the timestamp's time when "
                       "there is one, else the signer's computer's"})
    signed_at_text = Str()
    verdict = Str(validate=validate.OneOf(["valid", "invalid", "untrusted"]))
    verdict_text = Str(metadata={"description": "Hợp lệ / Không hợp lệ / Chưa xác định được "
                                                "nguồn tin cậy"})
    intact = fields.Boolean(metadata={"description": "the signed bytes are unchanged"})
    intact_text = Str()
    valid = fields.Boolean(metadata={"description": "the cryptographic signature checks"})
    trusted = fields.Boolean(metadata={"description": "the chain ends at a configured root"})
    trusted_text = Str()
    revision = fields.Integer(metadata={"description": "the revision of the file it covers "
                                                      "(1 = the first)"})
    covers_text = Str()
    changes_after = Str(validate=validate.OneOf(
        ["NONE", "LTA_UPDATES", "FORM_FILLING", "ANNOTATIONS", "OTHER"]))
    changes_after_text = Str()
    same_document = fields.Boolean(metadata={
        "description": "later revisions add only validation data or document timestamps"})
    timestamp = fields.Boolean()
    timestamp_valid = fields.Boolean(allow_none=True)
    timestamp_text = Str()
    algorithm = Str()
    summary = Str()


class RegisterCheck(Base):
    """What the register holds of the kept document with the file's exact bytes (nothing
    else of its item); ``in_register`` false: the file is no document of the system."""

    in_register = fields.Boolean(required=True)
    text = Str()
    kind = Str()
    number = Str()
    date = Str(allow_none=True, metadata={"format": "date"})
    date_text = Str()
    issuer = Str()
    signer_name = Str()
    signer_title = Str(metadata={"description": "the printed lines above the name"})
    status = Str(validate=validate.OneOf(["in_force", "not_issued", "before_issue", "replaced",
                                          "revoked"]))
    status_text = Str()
    electronic_original = fields.Boolean(metadata={
        "description": "signed by the competent person and sealed by the issuing body "
                       "(NĐ 30 Điều 5); false for a paper its signer alone signed"})
    original_text = Str()
    sha256 = Str(metadata={"description": "the SHA-256 the register keeps of the document"})
    archive_updates = fields.Boolean(metadata={
        "description": "true: the file is the registered document followed only by "
                       "revisions that add validation data or document timestamps (the "
                       "same document, renewed for the long term)"})


class VerificationOut(Base):
    sha256 = Str()
    size = fields.Integer()
    revisions = fields.Integer()
    signature_count = fields.Integer()
    all_valid = fields.Boolean()
    conclusion = Str()
    tone = Str(validate=validate.OneOf(["success", "warning", "danger"]))
    signatures = fields.List(fields.Nested(SignatureCheck))
    register = fields.Nested(RegisterCheck)


# -- incoming edXML packages (issue 23) --------------------------------------------------------

class IncomingOut(Base):
    """A package received for the Board: what it says of itself and the checks' verdict."""
    id = fields.Integer()
    received_at = UtcDateTime()
    source = Str()
    filename = Str()
    size = fields.Integer()
    sha256 = Str()
    document_id = Str()
    from_organ_id = Str()
    from_name = Str()
    code = Str()
    promulgation_date = fields.Date(allow_none=True)
    subject = Str()
    business_type = fields.Integer(allow_none=True, metadata={
        "description": "0 new, 1 revoke, 2 update (shown, never applied), 3 replace"})
    status = Str(metadata={"description": "accepted, or refused (answered with a 02)"})
    reason = Str(allow_none=True, metadata={"description": "why it was refused (the 02's)"})
    pdf_name = Str(allow_none=True)
    replied = fields.Function(lambda r: r.reply_key is not None)
    dossier_id = fields.Integer(allow_none=True)
    attached_at = UtcDateTime(allow_none=True)


class IncomingListArgs(PageArgs):
    status = Str(validate=validate.OneOf(["accepted", "refused"]))


class IncomingUpload(Base):
    """multipart/form-data: the edXML package file."""

    file = Upload(required=True)


class IncomingAttachIn(Base):
    dossier_id = fields.Integer(required=True, strict=True)
    kind = Str(load_default="to_trinh", validate=validate.Length(min=1, max=32))


IncomingPage = page_of(IncomingOut, "IncomingPage")
