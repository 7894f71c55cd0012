"""Administration: units (with CSV import), accounts and roles, reference data, signing
identities (certificates with their signature and seal images)."""
import tempfile
from io import BytesIO
from pathlib import Path

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app.clock import now_utc
from app.services import identities, org, reference
from app.services.errors import Forbidden, Invalid, ServiceError
from workflows.roles import ADMIN, ROLES

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _admins_only():
    if not current_user.has_role(*ADMIN):
        raise Forbidden("Chỉ quản trị hệ thống mới vào được trang này.")
    return None


@bp.route("/units", methods=["GET", "POST"])
def units():
    if request.method == "POST":
        if not FlaskForm().validate_on_submit():
            abort(400)
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
    return render_template("admin/units.html", units=org.list_units(),
                           columns=org.UNIT_CSV_HELP, kind_labels=org.UNIT_KIND_LABELS)


@bp.route("/units/organ-id", methods=["POST"])
def unit_organ_id():
    """A unit's mã định danh (QCVN 102:2016): set, changed or cleared (empty)."""
    from app.web.forms import run

    code = (request.form.get("unit") or "").strip()
    return run(lambda: org.save_unit(current_user,
                                     {"organ_id": request.form.get("organ_id") or None},
                                     code=code),
               url_for("admin.units"), done="Đã lưu mã định danh.")


@bp.route("/units/titles-decider", methods=["POST"])
def unit_titles_decider():
    """Whose head decides a unit's own titles: a sở or its parent; empty: the unit itself."""
    from app.web.forms import run

    code = (request.form.get("unit") or "").strip()
    return run(lambda: org.save_unit(
        current_user, {"titles_decided_by": request.form.get("titles_decided_by") or ""},
        code=code), url_for("admin.units"), done="Đã lưu đơn vị quyết định danh hiệu.")


@bp.route("/users", methods=["GET", "POST"])
def users():
    if request.method == "POST":
        if not FlaskForm().validate_on_submit():
            abort(400)
        data = {key: (request.form.get(key) or "").strip() for key in (
            "username", "full_name", "email", "unit", "signing_title", "signing_authority",
            "signing_modes")}
        data["roles"] = request.form.getlist("roles")
        data["password"] = request.form.get("password") or None
        existing = request.form.get("existing") == "1"
        try:
            if existing:
                org.save_user(current_user, {k: v for k, v in data.items() if v},
                              username=data["username"])
            else:
                org.save_user(current_user, data)
        except ServiceError as error:
            flash(error.message, "danger")
        else:
            flash(f"Đã lưu tài khoản {data['username']}.", "success")
        return redirect(url_for("admin.users"))
    return render_template("admin/users.html", users=org.list_users(current_user), now=now_utc(),
                           roles=list(ROLES), role_labels=ROLES, units=org.list_units())


@bp.route("/users/<username>/unlock", methods=["POST"])
def unlock_user(username):
    if not FlaskForm().validate_on_submit():
        abort(400)
    org.unlock(current_user, username)
    flash(f"Đã mở khóa đăng nhập cho tài khoản {username}.", "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<username>/reset-password", methods=["POST"])
def reset_password(username):
    if not FlaskForm().validate_on_submit():
        abort(400)
    temporary = org.reset_password(current_user, username)
    flash(f"Mật khẩu tạm thời của tài khoản {username}: {temporary} — hãy chuyển trực tiếp "
          f"cho người dùng; khi đăng nhập, họ phải đặt mật khẩu mới.", "warning")
    return redirect(url_for("admin.users"))


@bp.route("/reference", endpoint="reference")
def reference_data(import_error=None):
    return render_template("admin/reference.html", sections=reference.sections(),
                           changes=reference.changes(), source=reference.source_in_words,
                           locality=reference.locality(),
                           mismatches=reference.locality_mismatches(),
                           import_error=import_error)


@bp.route("/reference/import", methods=["POST"], endpoint="reference_import")
def reference_import():
    """The file upload of ``flask reference import``: all rows or none, each one audited;
    a refusal is shown on the page with every row's reason, as the command prints them."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    upload = request.files.get("file")
    try:
        counts = reference.import_reference_upload(
            current_user, upload.stream.read() if upload else b"",
            upload.filename if upload else "", replace=request.form.get("replace") == "1")
    except ServiceError as error:
        return reference_data({"message": error.message,
                               "reasons": error.details.get("reasons", [])}), error.status
    added = sum(counts["added"].values())
    replaced = sum(counts["replaced"].values())
    flash(f"Đã nạp tệp dữ liệu tham chiếu: {added} dòng mới, {replaced} dòng được thay; "
          f"mỗi dòng được ghi vào nhật ký bên dưới." if added or replaced else
          "Tệp không có dòng nào mới hoặc khác: dữ liệu giữ nguyên.", "success")
    return redirect(url_for("admin.reference", _anchor="changes"))


@bp.route("/reference/<section>/<row>", methods=["POST"], endpoint="reference_save")
def reference_save(section, row):
    """Add a row (``row`` "new") or edit one; a concurrent edit answers 409."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    if row != "new" and not row.isdigit():
        abort(404)
    try:
        reference.save_row(current_user, section, request.form.to_dict(),
                           row_id=None if row == "new" else int(row),
                           version=request.form.get("version"), note=request.form.get("note"))
    except Invalid as error:
        reasons = [m for messages in error.details.values() if isinstance(messages, list)
                   for m in messages]
        flash(" ".join(reasons) if len(reasons) > 1 else error.message, "danger")
    else:
        flash("Đã lưu dữ liệu tham chiếu; thay đổi được ghi vào nhật ký bên dưới.", "success")
    return redirect(url_for("admin.reference", _anchor=section))


# -- signing identities: a person's certificate and signature image, a unit's and its seal


@bp.route("/signing", endpoint="signing")
def signing_identities():
    return render_template("admin/signing.html", rows=identities.overview(current_user),
                           users=org.list_users(current_user), units=org.list_units(),
                           production=identities.production(),
                           default_passphrase="SIGNING_DEMO_PASSPHRASE")


@bp.route("/signing/<int:identity_id>/image.png", endpoint="signing_image")
def signing_image(identity_id):
    return send_file(BytesIO(identities.image_of(current_user, identity_id)),
                     mimetype="image/png", max_age=0)


def _upload(name) -> bytes | None:
    upload = request.files.get(name)
    if upload is None or not upload.filename:
        return None
    return upload.stream.read(identities.MAX_UPLOAD_BYTES + 1)


def _register(register, **fields):
    """Call the service with the form's files; an uploaded PKCS#12 (demo and development)
    is handed over as a file the service copies under instance/ and then removed."""
    p12 = _upload("p12")
    if fields.get("backend") == "pkcs12" and p12:
        with tempfile.TemporaryDirectory() as scratch:
            path = Path(scratch) / "key.p12"
            path.write_bytes(p12)
            return register(current_user, p12_path=path, **fields)
    return register(current_user, certificate_pem=_upload("certificate"), **fields)


@bp.route("/signing/users", methods=["POST"], endpoint="signing_user")
def signing_user():
    if not FlaskForm().validate_on_submit():
        abort(400)
    username = (request.form.get("username") or "").strip()
    backend = request.form.get("backend") or "remote"
    try:
        _register(identities.register_user, username=username, backend=backend,
                  image_png=_upload("image"),
                  passphrase_setting=(request.form.get("passphrase_setting") or "").strip()
                  or None, account=(request.form.get("account") or "").strip() or None)
    except ServiceError as error:
        flash(f"Không đăng ký được chứng thư số cho {username or 'người ký'}: {error.message}",
              "danger")
    else:
        flash(f"Đã đăng ký chứng thư số và ảnh chữ ký cho {username}; thay đổi được ghi nhật ký.",
              "success")
    return redirect(url_for("admin.signing"))


@bp.route("/signing/units", methods=["POST"], endpoint="signing_unit")
def signing_unit():
    if not FlaskForm().validate_on_submit():
        abort(400)
    code = (request.form.get("code") or "").strip()
    try:
        seal_mm = float((request.form.get("seal_mm") or "").replace(",", "."))
    except ValueError:
        flash("Kích thước thật của con dấu phải là một số (mm).", "danger")
        return redirect(url_for("admin.signing"))
    try:
        _register(identities.register_unit, code=code,
                  backend=request.form.get("backend") or "pkcs11",
                  seal_png=_upload("image"), seal_mm=seal_mm,
                  passphrase_setting=(request.form.get("passphrase_setting") or "").strip()
                  or None, token_label=(request.form.get("token_label") or "").strip() or None,
                  key_label=(request.form.get("key_label") or "").strip() or None)
    except ServiceError as error:
        flash(f"Không đăng ký được chứng thư số cho đơn vị {code}: {error.message}", "danger")
    else:
        flash(f"Đã đăng ký chứng thư số và ảnh con dấu cho đơn vị {code}; thay đổi được ghi "
              "nhật ký.", "success")
    return redirect(url_for("admin.signing"))


@bp.route("/signing/remove", methods=["POST"], endpoint="signing_remove")
def signing_remove():
    if not FlaskForm().validate_on_submit():
        abort(400)
    username = request.form.get("username") or None
    code = request.form.get("code") or None
    if not (username or code):
        abort(400)
    try:
        identities.remove(current_user, username=username, code=None if username else code)
    except ServiceError as error:
        flash(error.message, "danger")
    else:
        flash(f"Đã gỡ chứng thư số của {username or 'đơn vị ' + code}; giấy tờ của họ theo "
              "quy trình giấy từ nay.", "success")
    return redirect(url_for("admin.signing"))
