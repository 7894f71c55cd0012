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
    AttachmentOut,
    AttachmentUpload,
    ChecklistOut,
    DossierOut,
    DossierPage,
    DossierPatch,
    NomineeCreate,
    NomineeFields,
    NomineeOut,
    SubmissionListArgs,
    VerdictIn,
    VerdictsIn,
    VersionArg,
)
from app.services import awards, dossiers, workflow

blp = Blueprint("dossiers", __name__, url_prefix="/api/v1/dossiers",
                description="Achievement dossiers (hồ sơ đề nghị khen thưởng)")


@blp.route("")
@blp.arguments(SubmissionListArgs, location="query")
@blp.response(200, DossierPage)
def list_dossiers(args):
    return workflow.listing("dossier", current_user, **args)


@blp.route("/<int:item_id>")
@blp.response(200, DossierOut)
@blp.doc(summary="A dossier; each nominee with its earlier awards and the appraisal's flags")
def get_dossier(item_id):
    return awards.dossier_with_history(current_user, item_id)


@blp.route("/<int:item_id>", methods=["PATCH"])
@blp.arguments(DossierPatch)
@blp.response(200, DossierOut)
@blp.doc(summary="Results against targets and the council's vote record (unit staff)")
def update_dossier(data, item_id):
    version = data.pop("version")
    return dossiers.update_dossier(current_user, item_id, data, version)


@blp.route("/<int:item_id>/checklist")
@blp.response(200, ChecklistOut)
@blp.doc(summary="The automatic appraisal checks: attachments, vote shares, quota, duplicates, deadline")
def checklist(item_id):
    dossier, checks = dossiers.checklist(current_user, item_id)
    return {"dossier_id": dossier.id, "checks": checks}


@blp.route("/<int:item_id>/nominees")
@blp.response(200, NomineeOut(many=True))
def list_nominees(item_id):
    return workflow.load("dossier", item_id, current_user).nominees


@blp.route("/<int:item_id>/nominees", methods=["POST"])
@blp.arguments(NomineeCreate)
@blp.response(201, NomineeOut)
@blp.doc(summary="Propose a collective or an individual (unit staff)")
def add_nominee(data, item_id):
    version = data.pop("version", None)
    return dossiers.add_nominee(current_user, item_id, data, version)


@blp.route("/<int:item_id>/nominees/<int:nominee_id>", methods=["PATCH"])
@blp.arguments(NomineeFields)
@blp.response(200, NomineeOut)
def update_nominee(data, item_id, nominee_id):
    version = data.pop("version", None)
    return dossiers.update_nominee(current_user, item_id, nominee_id, data, version)


@blp.route("/<int:item_id>/nominees/<int:nominee_id>", methods=["DELETE"])
@blp.arguments(VersionArg, location="query")
@blp.response(204)
def remove_nominee(args, item_id, nominee_id):
    dossiers.remove_nominee(current_user, item_id, nominee_id, args.get("version"))


@blp.route("/<int:item_id>/nominees/<int:nominee_id>/verdict", methods=["PUT"])
@blp.arguments(VerdictIn)
@blp.response(200, NomineeOut)
@blp.doc(summary="The Board's finding: accepted, or declined with a reason (appraiser)")
def set_verdict(data, item_id, nominee_id):
    return dossiers.set_verdict(current_user, item_id, nominee_id, data["verdict"],
                                data.get("reason"), data.get("version"))


@blp.route("/<int:item_id>/verdicts", methods=["POST"])
@blp.arguments(VerdictsIn)
@blp.response(200, DossierOut)
@blp.doc(summary="Verdicts in bulk: accept some, decline others with one reason, all or "
                 "none (appraiser)")
def set_verdicts(data, item_id):
    chosen = {**{i: "accepted" for i in data["accepted"]},
              **{i: "declined" for i in data["declined"]}}
    return dossiers.set_verdicts(current_user, item_id, chosen, data.get("reason"),
                                 data.get("version"))


@blp.route("/<int:item_id>/attachments")
@blp.response(200, AttachmentOut(many=True))
def list_attachments(item_id):
    return workflow.load("dossier", item_id, current_user).attachments


@blp.route("/<int:item_id>/attachments", methods=["POST"])
@blp.arguments(AttachmentUpload, location="multipart")
@blp.response(201, AttachmentOut)
@blp.doc(summary="Upload a paper (multipart: kind, optional nominee_id, file)")
def upload_attachment(form, item_id):
    return dossiers.add_attachment(current_user, item_id, form["kind"], form["file"],
                                   form.get("nominee_id"), form.get("version"))


@blp.route("/<int:item_id>/attachments/<int:attachment_id>")
@blp.response(200, description="the file, with its original name",
              content_type="application/octet-stream")
def download_attachment(item_id, attachment_id):
    attachment, body, _inline = dossiers.open_attachment(current_user, item_id, attachment_id)
    return downloads.send(body, attachment.filename, attachment.content_type,
                          sha256=attachment.sha256)


@blp.route("/<int:item_id>/attachments/<int:attachment_id>", methods=["DELETE"])
@blp.arguments(VersionArg, location="query")
@blp.response(204)
def remove_attachment(args, item_id, attachment_id):
    dossiers.remove_attachment(current_user, item_id, attachment_id, args.get("version"))


add_workflow_routes(blp, "dossier")
add_document_routes(blp, "dossier")
add_paper_signing_routes(blp, "dossier")
add_notification_routes(blp, "dossier")
