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
    PaperIssueIn,
    PaperPanelOut,
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


def add_paper_signing_routes(blp, kind):
    """The papers a signing step signs: their signature panels, their signed PDFs, and the
    Văn thư's issue (number, date, the body's seal)."""
    label = kind.capitalize()

    @blp.route("/<int:item_id>/paper-signatures", endpoint=f"{kind}_paper_signatures")
    @blp.response(200, PaperPanelOut(many=True))
    @blp.doc(summary=f"{label}: each signed paper's signatures, whether they verify, and "
                     "whether it is an electronic original or carries its signer's only")
    def paper_signatures(item_id):
        return workflow.signature_panels(kind, workflow.load(kind, item_id, current_user))

    @blp.route("/<int:item_id>/paper-pdfs/<name>", endpoint=f"{kind}_paper_pdf")
    @blp.response(200, description="the paper printed for signing ({paper}_prepared_pdf), "
                  "signed by its signer ({paper}_approved_pdf) or issued by the Văn thư "
                  "({paper}_issued_pdf), byte-identical to the one kept",
                  content_type=documents.PDF)
    @blp.doc(summary=f"{label}: download a paper's signing PDF")
    def get_paper_pdf(item_id, name):
        body, filename, sha = workflow.open_paper_pdf(kind, item_id, name, current_user)
        return downloads.send(body, filename, documents.PDF, sha256=sha)

    @blp.route("/<int:item_id>/papers/<paper>/issue", methods=["POST"],
               endpoint=f"{kind}_paper_issue")
    @blp.arguments(PaperIssueIn)
    @blp.response(201, DocumentOut)
    @blp.alt_response(403, schema=Error, description="not the issuing body's Văn thư")
    @blp.alt_response(409, schema=Error, description="not signed by its signer, already "
                      "issued or numbered, number taken, stale version")
    @blp.alt_response(422, schema=Error, description="a date other than today, no seal")
    @blp.doc(summary=f"{label}: the issuing body's Văn thư numbers (next, or the number "
                     "given), dates (today) and seals a paper its signer signed digitally")
    def issue_paper(data, item_id, paper):
        kept = workflow.issue_paper(kind, item_id, paper, current_user,
                                    number=data.get("number"), issued_on=data.get("issued_on"),
                                    version=data.get("version"))
        return {"name": kept.name, "kind": "Văn bản điện tử đã phát hành (PDF ký số)",
                "final": True, "filename": kept.filename, "sha256": kept.sha256,
                "size": kept.size, "created_at": kept.created_at, "pdf": False}
