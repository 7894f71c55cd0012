"""Administration: units (with CSV import), accounts and roles, reference data."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app.extensions import db
from app.models import ROLES, AttachmentRequirement, AwardForm, LegalBasis, RuleValue, Unit
from app.services import org
from app.services.errors import Invalid, ServiceError
from app.services.permissions import ROLE_LABELS
from app.web import error_page

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _admins_only():
    if "admin" not in current_user.roles:
        return error_page(403, "Chỉ quản trị hệ thống mới vào được trang này.")
    return None


@bp.route("/units", methods=["GET", "POST"])
def units():
    if request.method == "POST":
        if not FlaskForm().validate_on_submit():
            return error_page(400)
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash("Chọn tệp CSV để nhập.", "danger")
        else:
            try:
                counts = org.import_units_csv(upload.stream.read().decode("utf-8-sig"))
            except UnicodeDecodeError:
                flash("Tệp CSV phải được lưu với bảng mã UTF-8.", "danger")
            except ServiceError as error:
                flash(error.message, "danger")
            else:
                flash(f"Đã nhập: {counts['created']} đơn vị mới, {counts['updated']} đơn vị "
                      f"cập nhật.", "success")
        return redirect(url_for("admin.units"))
    rows = db.session.scalars(db.select(Unit).order_by(Unit.code)).all()
    return render_template("admin/units.html", units=rows, columns=org.UNIT_CSV_COLUMNS)


@bp.route("/users", methods=["GET", "POST"])
def users():
    if request.method == "POST":
        if not FlaskForm().validate_on_submit():
            return error_page(400)
        data = {key: (request.form.get(key) or "").strip() for key in (
            "username", "full_name", "email", "unit", "signing_title", "signing_authority")}
        data["roles"] = request.form.getlist("roles")
        data["password"] = request.form.get("password") or None
        existing = request.form.get("existing") == "1"
        try:
            if existing:
                org.save_user(current_user, {k: v for k, v in data.items() if v},
                              username=data["username"])
            else:
                if not data["password"] or len(data["password"]) < 8:
                    raise Invalid("Mật khẩu tối thiểu 8 ký tự.")
                org.save_user(current_user, data)
        except ServiceError as error:
            flash(error.message, "danger")
        else:
            flash(f"Đã lưu tài khoản {data['username']}.", "success")
        return redirect(url_for("admin.users"))
    return render_template("admin/users.html", users=org.list_users(current_user),
                           roles=ROLES, role_labels=ROLE_LABELS,
                           units=db.session.scalars(db.select(Unit).order_by(Unit.code)).all())


@bp.route("/reference")
def reference():
    def rows(model, *order):
        return db.session.scalars(db.select(model).order_by(*order)).all()

    return render_template(
        "admin/reference.html",
        award_forms=rows(AwardForm, AwardForm.code, AwardForm.effective_from),
        bases=rows(LegalBasis, LegalBasis.document_kind, LegalBasis.position),
        rules=rows(RuleValue, RuleValue.key, RuleValue.effective_from),
        papers=rows(AttachmentRequirement, AttachmentRequirement.code))
