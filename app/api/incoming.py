"""Incoming edXML packages for the Board (issue 23): posted, checked, listed, attached to
their dossier; a refused one is answered with a 02 status message."""
from flask import Response, request
from flask_login import current_user
from flask_smorest import Blueprint

from app.api.schemas import (
    Error,
    IncomingAttachIn,
    IncomingListArgs,
    IncomingOut,
    IncomingPage,
)
from app.errors import error_response
from app.services import incoming

blp = Blueprint("incoming", __name__, url_prefix="/api/v1/incoming-packages",
                description="Incoming documents (edXML packages) for the Board")


@blp.route("", methods=["POST"])
@blp.doc(summary="Receive one edXML package (the raw XML as the body, application/xml, or "
         "a multipart/form-data 'file'): checked (its signature, each PDF's signatures, that "
         "it is addressed to us); a failing one is kept as refused and answered with a 02",
         requestBody={"content": {"application/xml": {"schema": {
             "type": "string", "format": "binary"}}}})
@blp.response(201, IncomingOut)
@blp.alt_response(422, schema=Error, description="not an edXML package at all (malformed "
                  "XML, a DTD or entity, another namespace): nothing kept")
@blp.alt_response(413, schema=Error, description="over EDXML_MAX_MB")
def receive():
    limit = incoming.max_bytes()
    if request.content_length is not None and request.content_length > limit + 64 * 1024:
        return error_response(413, "too_large", "Gói tin quá lớn.")
    upload = request.files.get("file")
    if upload is not None:
        data, filename = upload.stream.read(limit + 1), upload.filename or ""
    else:
        data, filename = request.get_data(cache=False)[:limit + 1], ""
    return incoming.receive(current_user, data, filename, source="api")


@blp.route("")
@blp.arguments(IncomingListArgs, location="query")
@blp.response(200, IncomingPage)
@blp.doc(summary="«Văn bản đến»: the packages received, newest first (Board)")
def listing(args):
    return incoming.listing(current_user, **args)


@blp.route("/<int:package_id>")
@blp.response(200, IncomingOut)
def get(package_id):
    return incoming.get(current_user, package_id)


@blp.route("/<int:package_id>/attach", methods=["POST"])
@blp.arguments(IncomingAttachIn)
@blp.response(200, IncomingOut)
@blp.doc(summary="Attach an accepted package's signed PDF to its dossier, as a file of that "
         "dossier (Board appraiser); a refused one never")
def attach(body, package_id):
    return incoming.attach(current_user, package_id, body["dossier_id"], body["kind"])


@blp.route("/<int:package_id>/reply")
@blp.response(200, description="the 02 status message (edXML) that answered a refused "
              "package", content_type="application/xml")
def reply(package_id):
    return Response(incoming.reply_of(current_user, package_id), mimetype="application/xml")
