"""The routes every workflow item has: actions, transitions, history, documents and who
was notified."""

from flask import jsonify
from flask_login import current_user

from app import downloads
from app.api.schemas import (
    ActionsOut,
    DeliveryOut,
    DocumentOut,
    Error,
    EventOut,
    SigningPendingOut,
    transition_in,
)
from app.services import documents, workflow
from app.services.errors import SignatureRequired


def add_workflow_routes(blp, kind):
    """GET …/{id}/actions, POST …/{id}/transitions, GET …/{id}/history for one kind."""
    label = kind.capitalize()

    @blp.route("/<int:item_id>/actions", endpoint=f"{kind}_actions")
    @blp.response(200, ActionsOut)
    @blp.doc(summary=f"{label}: the triggers this user may fire now, and those blocked with reasons")
    def actions(item_id):
        item = workflow.load(kind, item_id, current_user)
        return {"state": item.state, "state_label": workflow.state_label(kind, item.state),
                "version": item.version,
                "actions": workflow.actions(kind, item, current_user)}

    @blp.route("/<int:item_id>/transitions", methods=["POST"], endpoint=f"{kind}_transition")
    @blp.arguments(transition_in(kind))
    @blp.response(200, ActionsOut)
    @blp.alt_response(202, schema=SigningPendingOut,
                      description="the signer signs remotely: sign the request's digest (or "
                                  "the PDF) and send it back with the same trigger; the state "
                                  "does not move until then")
    @blp.alt_response(409, schema=Error,
                      description="someone acted first (stale version) or wrong state")
    @blp.alt_response(422, schema=Error,
                      description="a guard refused, or a required comment is missing")
    @blp.doc(summary=f"{label}: fire a trigger (optimistic locking on version)")
    def transition(data, item_id):
        params = {k: data[k] for k in ("number", "issued_on", "authority", "expected_number",
                                       "expected_issued_on", "signing_request", "signature",
                                       "signed_pdf")
                  if data.get(k) is not None}
        try:
            item = workflow.perform(kind, item_id, current_user, data["trigger"],
                                    version=data["version"], comment=data.get("comment"),
                                    params=params)
        except SignatureRequired as pending:  # nothing moved: the item as it stands
            item = workflow.load(kind, item_id, current_user)
            return jsonify(SigningPendingOut().dump(
                {**pending.details, "state": item.state, "version": item.version})), 202
        return {"state": item.state, "state_label": workflow.state_label(kind, item.state),
                "version": item.version,
                "actions": workflow.actions(kind, item, current_user)}

    @blp.route("/<int:item_id>/history", endpoint=f"{kind}_history")
    @blp.response(200, EventOut(many=True))
    @blp.doc(summary=f"{label}: who did what, when, and why")
    def history(item_id):
        item = workflow.load(kind, item_id, current_user)
        return workflow.history(kind, item)


def add_notification_routes(blp, kind):
    """GET …/{id}/notifications: who was told about the item, and whether it arrived."""

    @blp.route("/<int:item_id>/notifications", endpoint=f"{kind}_notifications")
    @blp.response(200, DeliveryOut(many=True))
    @blp.doc(summary=f"{kind.capitalize()}: who was notified, and whether delivery succeeded")
    def notifications(item_id):
        return workflow.deliveries(current_user, kind, item_id)


def add_document_routes(blp, kind):
    """GET …/{id}/documents and GET …/{id}/documents/{name} for one kind."""
    label = kind.capitalize()

    @blp.route("/<int:item_id>/documents", endpoint=f"{kind}_documents")
    @blp.response(200, DocumentOut(many=True))
    @blp.doc(summary=f"{label}: its formal documents, final (with SHA-256) or drafts")
    def list_documents(item_id):
        return documents.listing(kind, workflow.load(kind, item_id, current_user))

    @blp.route("/<int:item_id>/documents/<name>", endpoint=f"{kind}_document")
    @blp.response(200, description="the DOCX; a final copy is byte-identical on every download",
                  content_type=documents.DOCX)
    @blp.doc(summary=f"{label}: download one document")
    def get_document(item_id, name):
        body, filename, sha = documents.fetch(kind, workflow.load(kind, item_id, current_user),
                                              name)
        return downloads.send(body, filename, documents.content_type(filename), sha256=sha)

    @blp.route("/<int:item_id>/documents/<name>/pdf", endpoint=f"{kind}_document_pdf")
    @blp.response(200, description="the final paper's issuable PDF/A-2b, made from the same "
                  "content as its DOCX (empty fields so, ngay_thang, chu_ky); kept with its "
                  "SHA-256 on the first download, byte-identical afterwards",
                  content_type=documents.PDF)
    @blp.alt_response(404, schema=Error, description="no such paper, or not final yet")
    @blp.alt_response(503, schema=Error, description="the PDF could not be made (LibreOffice)")
    @blp.doc(summary=f"{label}: download a final paper as PDF")
    def get_document_pdf(item_id, name):
        body, filename, sha = documents.fetch_pdf(
            kind, workflow.load(kind, item_id, current_user), name)
        return downloads.send(body, filename, documents.PDF, sha256=sha)
