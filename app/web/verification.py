"""«Xác minh văn bản điện tử»: the public page (no sign-in) that checks an uploaded PDF's
signatures and whether it is a document of the register, and the per-document page a
QR code's link opens. Rate-limited per address (VERIFY_RATE_LIMIT); CSRF as every form."""
from flask import Blueprint, render_template
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from app.extensions import limiter, verify_rate_limit
from app.services import verification
from app.services.errors import Invalid

bp = Blueprint("verification", __name__)


class VerifyForm(FlaskForm):
    file = FileField("Tệp văn bản điện tử (PDF)",
                     validators=[FileRequired("Chọn tệp PDF cần xác minh.")])


@bp.route("/xac-minh", methods=["GET", "POST"])
@limiter.limit(verify_rate_limit, methods=["POST"])
def upload():
    form = VerifyForm()
    report, filename = None, None
    if form.validate_on_submit():
        filename = form.file.data.filename or ""
        try:
            report = verification.verify(verification.read_upload(form.file.data.stream))
        except Invalid as refused:
            form.file.errors.append(refused.message)
    status = 422 if form.errors else 200
    return render_template("verification/upload.html", form=form, report=report,
                           filename=filename,
                           max_mb=verification.max_bytes() // (1024 * 1024),
                           stale=bool(form.errors.get("csrf_token"))), status


@bp.route("/xac-minh/<token>")
@limiter.limit(verify_rate_limit)
def document(token):
    return render_template("verification/document.html",
                           register=verification.by_token(token))
