"""Excel out (progress, nominees, a decision's awardees, the yearly register) and in (a
dossier's nominees, awards decided outside the system), with the templates to fill in."""
from flask_login import current_user
from flask_smorest import Blueprint

from app import downloads
from app.api.schemas import (
    YEAR_PARAMETER,
    ExcelUpload,
    ImportedOut,
    NomineeListArgs,
    RegisterArgs,
)
from app.services import exports, imports
from app.services.spreadsheets import XLSX

blp = Blueprint("excel", __name__, url_prefix="/api/v1/excel",
                description="Excel lists out and in (.xlsx)")

# The document's word for an .xlsx answer: the workbook's bytes, of the XLSX media type.
WORKBOOK = {"type": "string", "format": "binary"}


def _workbook_sent():
    """The document's word for an .xlsx sent: the multipart body's file part is a workbook."""
    return blp.doc(requestBody={"content": {"multipart/form-data": {
        "encoding": {"file": {"contentType": XLSX}}}}})


@blp.route("/campaigns/<int:campaign_id>/progress")
@blp.response(200, WORKBOOK, description="the progress table of every participating unit",
              content_type=XLSX)
def progress(campaign_id):
    return downloads.xlsx(exports.progress(current_user, campaign_id))


@blp.route("/campaigns/<int:campaign_id>/registrations")
@blp.response(200, WORKBOOK, description="a regular year: every unit's registration and the "
                                         "titles granted to it", content_type=XLSX)
def registrations(campaign_id):
    return downloads.xlsx(exports.registrations_list(current_user, campaign_id))


@blp.route("/campaigns/<int:campaign_id>/registrations-by-cluster")
@blp.response(200, WORKBOOK, description="a regular year: registrations and titles granted "
                                         "per cluster or block", content_type=XLSX)
def registrations_by_cluster(campaign_id):
    return downloads.xlsx(exports.registrations_by_cluster(current_user, campaign_id))


@blp.route("/campaigns/<int:campaign_id>/nominees")
@blp.arguments(NomineeListArgs, location="query")
@blp.response(200, WORKBOOK, description="the nominees and the Board's verdicts",
              content_type=XLSX)
def nominees(args, campaign_id):
    return downloads.xlsx(exports.nominees(current_user, campaign_id, **args))


@blp.route("/decisions/<int:decision_id>/awardees")
@blp.response(200, WORKBOOK, description="the awardees in the national database's columns: "
              "họ tên, chức vụ, đơn vị, hình thức, số QĐ, ngày QĐ, cấp quyết định",
              content_type=XLSX)
def awardees(decision_id):
    return downloads.xlsx(exports.awardees(current_user, decision_id))


@blp.route("/awards/<int:year>", parameters=[YEAR_PARAMETER])
@blp.arguments(RegisterArgs, location="query")
@blp.response(200, WORKBOOK, description="the year's award register", content_type=XLSX)
def register(args, year):
    return downloads.xlsx(exports.register(current_user, year, **args))


@blp.route("/dossiers/<int:dossier_id>/nominee-template")
@blp.response(200, WORKBOOK, description="the nominee list to fill in", content_type=XLSX)
def nominee_template(dossier_id):
    return downloads.xlsx(imports.nominee_template(current_user, dossier_id))


@blp.route("/dossiers/<int:dossier_id>/nominees", methods=["POST"])
@blp.arguments(ExcelUpload, location="multipart")
@_workbook_sent()
@blp.response(201, ImportedOut)
@blp.doc(summary="Add the nominees of a filled-in template to the dossier: every row or none; "
                 "each problem named by row and column (details.file)")
def import_nominees(form, dossier_id):
    upload = form["file"]
    return {"imported": imports.import_nominees(current_user, dossier_id, upload.read(),
                                                upload.filename or "", form.get("version"))}


@blp.route("/award-template")
@blp.response(200, WORKBOOK, description="the list of earlier awards to fill in",
              content_type=XLSX)
def award_template():
    return downloads.xlsx(imports.award_template(current_user))


@blp.route("/awards", methods=["POST"])
@blp.arguments(ExcelUpload, location="multipart")
@_workbook_sent()
@blp.response(201, ImportedOut)
@blp.doc(summary="Record awards decided outside the system (Board): every row or none")
def import_awards(form):
    upload = form["file"]
    return {"imported": imports.import_awards(current_user, upload.read(),
                                              upload.filename or "")}
