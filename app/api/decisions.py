from flask_login import current_user
from flask_smorest import Blueprint

from app import downloads
from app.api.common import (
    add_document_routes,
    add_notification_routes,
    add_paper_signing_routes,
    add_workflow_routes,
)
from app.api.schemas import (
    AmendmentIn,
    DecisionCreate,
    DecisionListArgs,
    DecisionOut,
    DecisionPage,
    DecisionPatch,
    DocumentOut,
    Error,
    NomineeIdsIn,
    PaperPrintIn,
    RecallIn,
    RecipientsIn,
    SignedScanCorrection,
    SignedScanUpload,
    StrikeIn,
    StrikesIn,
    VersionArg,
)
from app.services import decisions, exchange_packages, workflow

blp = Blueprint("decisions", __name__, url_prefix="/api/v1/decisions",
                description="Commendation decisions (quyết định khen thưởng)")


@blp.route("")
@blp.arguments(DecisionListArgs, location="query")
@blp.response(200, DecisionPage)
def list_decisions(args):
    return workflow.listing("decision", current_user, **args)


@blp.route("", methods=["POST"])
@blp.arguments(DecisionCreate)
@blp.response(201, DecisionOut)
@blp.doc(summary="Start a draft decision for one campaign and award form (appraiser)")
def create_decision(data):
    return decisions.create_decision(current_user, data)


@blp.route("/<int:item_id>")
@blp.response(200, DecisionOut)
@blp.doc(summary="A decision; its nominees are every unit's for the province's offices, "
                 "the reader's own unit's for a unit")
def get_decision(item_id):
    return decisions.for_reader(current_user, item_id)


@blp.route("/<int:item_id>", methods=["PATCH"])
@blp.arguments(DecisionPatch)
@blp.response(200, DecisionOut)
def update_decision(data, item_id):
    version = data.pop("version")
    return decisions.update_decision(current_user, item_id, data, version)


@blp.route("/<int:item_id>/nominees", methods=["POST"])
@blp.arguments(NomineeIdsIn)
@blp.response(200, DecisionOut)
@blp.doc(summary="Add accepted nominees of appraised dossiers, across units (appraiser)")
def add_nominees(data, item_id):
    return decisions.add_nominees(current_user, item_id, data["nominee_ids"], data.get("version"))


@blp.route("/<int:item_id>/nominees/<int:nominee_id>", methods=["DELETE"])
@blp.arguments(VersionArg, location="query")
@blp.response(200, DecisionOut)
def remove_nominee(args, item_id, nominee_id):
    return decisions.remove_nominee(current_user, item_id, nominee_id, args.get("version"))


@blp.route("/<int:item_id>/nominees/<int:nominee_id>/strike", methods=["PUT"])
@blp.arguments(StrikeIn)
@blp.response(200, DecisionOut)
@blp.doc(summary="Strike a nominee off the list before approval, or restore one (chairman)")
def strike(data, item_id, nominee_id):
    return decisions.strike(current_user, item_id, nominee_id, data["struck"],
                            data.get("reason"), data.get("version"))


@blp.route("/<int:item_id>/strikes", methods=["POST"])
@blp.arguments(StrikesIn)
@blp.response(200, DecisionOut)
@blp.doc(summary="Strike several nominees off the list with one reason, all or none "
                 "(chairman)")
def strike_many(data, item_id):
    return decisions.strike_many(current_user, item_id, data["nominee_ids"], data["reason"],
                                 data.get("version"))


@blp.route("/<int:item_id>/recipients", methods=["PUT"])
@blp.arguments(RecipientsIn)
@blp.response(200, DecisionOut)
@blp.doc(summary="Change the decision's Nơi nhận before issue (Board)")
def set_recipients(data, item_id):
    return decisions.set_recipients(current_user, item_id, data["entries"], data.get("version"))


add_workflow_routes(blp, "decision")
add_document_routes(blp, "decision")
add_paper_signing_routes(blp, "decision")
add_notification_routes(blp, "decision")


@blp.route("/<int:item_id>/signed-scan", methods=["POST"])
@blp.arguments(SignedScanUpload, location="multipart")
@blp.response(201, DocumentOut)
@blp.doc(summary="Attach the scan (PDF) of the signed decision before issue, kept with its "
                 "SHA-256 and sent with the decision's mail (Office); after issue: 409, "
                 "use …/signed-scan/correction")
def attach_signed_scan(form, item_id):
    upload = form["file"]
    kept = decisions.attach_signed_scan(current_user, item_id, upload.stream, upload.filename,
                                        form.get("version"))
    return _scan_out(kept)


def _scan_out(kept):
    return {"name": kept.name, "kind": "Bản chụp quyết định đã ký (PDF)", "final": True,
            "filename": kept.filename, "sha256": kept.sha256, "size": kept.size,
            "created_at": kept.created_at}


@blp.route("/<int:item_id>/signed-scan/correction", methods=["POST"])
@blp.arguments(SignedScanCorrection, location="multipart")
@blp.response(201, DocumentOut)
@blp.doc(summary="Replace an issued decision's scan (PDF), with a reason (Office): the old "
                 "scan is kept and downloadable, and the history records who, when, why and "
                 "the SHA-256 of both files")
def correct_signed_scan(form, item_id):
    upload = form["file"]
    kept = decisions.correct_signed_scan(current_user, item_id, upload.stream,
                                         upload.filename, form.get("reason"),
                                         form.get("version"))
    return _scan_out(kept)


@blp.route("/<int:item_id>/signed-pdfs/<name>")
@blp.response(200, description="the digitally signed PDF, byte-identical to the one kept",
              content_type="application/pdf")
@blp.doc(summary="Download the decision signed by its signer (decision_approved_pdf) or "
                 "issued electronically (decision_issued_pdf: numbered, dated, sealed)")
def get_signed_pdf(item_id, name):
    body, filename, sha = decisions.open_signed_pdf(current_user, item_id, name)
    return downloads.send(body, filename, "application/pdf", sha256=sha)


@blp.route("/<int:item_id>/edxml")
@blp.response(200, description="the decision's edXML package (QCVN 102:2016): the issued "
              "signed PDF byte-identical inside, an XML signature of the issuing body over "
              "the whole document", content_type="application/xml")
@blp.alt_response(409, schema=Error, description="the decision is not issued electronically")
@blp.alt_response(422, schema=Error, description="no recipient with a mã định danh, the issuer has none, "
                  "or its key cannot sign here")
@blp.doc(summary="Download the decision's signed edXML package (the Office and the Board)")
def get_edxml(item_id):
    data, filename = exchange_packages.download(current_user, item_id)
    return downloads.send(data, filename, "application/xml", private=True)


@blp.route("/<int:item_id>/paper-prints", methods=["POST"])
@blp.arguments(PaperPrintIn)
@blp.response(200, description="the issued PDF to print, byte-identical to the one kept",
              content_type="application/pdf")
@blp.doc(summary="Print an electronically issued decision on paper (Office; NĐ 30 Điều 18 "
                 "k5): the history records who, when and how many copies")
def print_paper(body, item_id):
    pdf, filename, sha = decisions.print_paper(current_user, item_id, body["copies"],
                                               body.get("version"))
    return downloads.send(pdf, filename, "application/pdf", sha256=sha)


@blp.route("/<int:item_id>/signed-scans/<sha256>")
@blp.response(200, description="the scan (PDF), byte-identical to the one kept",
              content_type="application/pdf")
@blp.doc(summary="Download any scan the decision has held, current or replaced, by its "
                 "SHA-256 (whoever may download its documents)")
def get_signed_scan(item_id, sha256):
    body, filename, sha = decisions.open_signed_scan(current_user, item_id, sha256)
    return downloads.send(body, filename, "application/pdf", sha256=sha)


@blp.route("/<int:item_id>/recall", methods=["POST"])
@blp.arguments(RecallIn)
@blp.response(200, DecisionOut)
@blp.doc(summary="Recall (thu hồi) an issued decision sent in error, with a reason (Office "
                 "only; NĐ 30 Điều 18 k4): every recipient is sent a revoke package; the "
                 "awards do not change")
def recall(body, item_id):
    return decisions.recall(current_user, item_id, body["reason"], body.get("version"))


@blp.route("/<int:item_id>/amendments", methods=["POST"])
@blp.arguments(AmendmentIn)
@blp.response(201, DecisionOut)
@blp.doc(summary="Start a draft decision that cancels (act cancel) or replaces (act replace) "
                 "this issued decision (appraiser); it is signed by the Chairman and issued "
                 "by the Office like any decision")
def create_amendment(body, item_id):
    return decisions.create_amendment(current_user, item_id, body["act"], body["reason"])
