"""JSON API v1: every action a user can take, described at GET /api/openapi.json.

Views parse, call one service, and shape the answer; every error is
{"error": {"code", "message", "details", "request_id"}} and never a stack trace.

Text is stored NFC-normalised, without outer spaces. A control character (U+0000–U+0008,
U+000C, U+000E–U+001F, U+007F–U+009F) in a name, a text or an address is refused with 422
(each such field says so, with a pattern), and a NUL byte anywhere in a request with 400.
"""
from decimal import Decimal

from flask import g, request
from flask_login import current_user
from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from app.errors import HTTP_MESSAGES, error_response, http_error
from app.extensions import csrf
from app.services.auth import user_for_token

PUBLIC_ENDPOINTS = {"auth.create_token", "api-docs.openapi_json", "verify.verify",
                    # the axis' callback: authenticated by its own headers (SystemId, Secret)
                    "exchange.take_status",
                    # the remote-signing service's callback: an HMAC of its body
                    "signing.callback"}


class Api(SmorestApi):
    """flask-smorest, answering errors in this project's JSON shape, and documenting that
    shape (components/schemas/Error) as every operation's error response."""

    def handle_http_exception(self, error):
        return http_error(error)


def _set_error_schema():
    from app.api.schemas import Error

    Api.ERROR_SCHEMA = Error


# A multipart body carries form fields and files together: one location reads both, and
# the document describes it as one multipart/form-data requestBody (OpenAPI 3).
Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
    **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING, "multipart": "multipart/form-data"}


@Blueprint.ARGUMENTS_PARSER.location_loader("multipart")
def _load_multipart(req, schema):
    return MultiDictProxy(CombinedMultiDict([req.form, req.files]), schema)


def _numbers_as_numbers(self, field, ret, **kwargs):
    """Decimal bounds and defaults are JSON numbers in the document, never strings."""
    for key in ("minimum", "maximum", "default", "exclusiveMinimum", "exclusiveMaximum"):
        if isinstance(ret.get(key), Decimal):
            ret[key] = float(ret[key])
    return {}


def _times_as_clock(self, field, ret, **kwargs):
    """A time of day is documented as the API reads it (schemas.CLOCK), not as any string."""
    from marshmallow import fields

    from app.api.schemas import CLOCK

    if isinstance(field, fields.Time):
        return {"pattern": CLOCK.pattern, "example": "08:30",
                "description": "a time of day, HH:MM or HH:MM:SS (24 hours, no offset)"}
    return {}


api = Api()


def _authenticate():
    """Bearer token first; otherwise the browser session (whose writes need a CSRF token)."""
    if not request.path.startswith("/api/v1/"):
        return None
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        user = user_for_token(token.strip()) if scheme.lower() == "bearer" and token else None
        if user is None:
            return error_response(401, "invalid_token",
                                  "Mã truy cập không hợp lệ, đã hết hạn hoặc đã bị thu hồi.")
        g._login_user = user  # what flask_login.current_user reads
        g.bearer = token.strip()
        return None
    if not current_user.is_authenticated:
        return error_response(401, *HTTP_MESSAGES[401])
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    return None


class DatabaseIntConverter(IntegerConverter):
    """``<int:…>`` for ids: one larger than an INTEGER column holds (32-bit on PostgreSQL)
    names no row, so /plans/99999999999999999999 is a 404, never a database error."""

    def to_python(self, value):
        number = super().to_python(value)
        if number > 2**31 - 1:
            raise NotFound()  # not a ValidationError: that would make werkzeug answer 405
        return number


def init_api(app):
    from app.api import (
        auth,
        awards,
        campaigns,
        clusters,
        decisions,
        dossiers,
        excel,
        exchange,
        flags,
        inbox,
        incoming,
        notifications,
        overview,
        plans,
        reference,
        registrations,
        signing,
        units,
        users,
        verification,
        yearend,
    )

    app.url_map.converters["int"] = DatabaseIntConverter  # before any route is registered

    _set_error_schema()
    api.init_app(app, spec_kwargs={"info": {"description": __doc__}})
    api.ma_plugin.converter.add_attribute_function(_numbers_as_numbers)
    api.ma_plugin.converter.add_attribute_function(_times_as_clock)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer",
                       "description": "POST /api/v1/auth/token, then Authorization: Bearer <token>"})
    api.spec.options["security"] = [{"bearerAuth": []}]
    for module in (auth, units, users, reference, campaigns, plans, dossiers, decisions, inbox,
                   notifications, awards, overview, excel, verification, exchange,
                   incoming, yearend, signing, clusters, flags):
        api.register_blueprint(module.blp)
    for blueprint in registrations.blueprints:
        api.register_blueprint(blueprint)
    app.before_request(_authenticate)
