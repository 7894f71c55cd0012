"""Sổ đăng ký văn bản on the pages: where each register stands, the numbers given and the
gaps, setting the last-used number (admin, Văn thư); the Office's signed scan and the
paper print of an electronically issued decision."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app import downloads
from app.clock import today
from app.services import decisions, registers
from app.services.errors import Forbidden, Invalid
from app.web.forms import messages_of, run
from app.web.work import item_url, typed_values

bp = Blueprint("registers", __name__)


@bp.before_request
@login_required
def _signed_in():
    return None


def _keeper():
    if not current_user.roles & set(registers.SETTERS):
        raise Forbidden("Chỉ quản trị hệ thống hoặc văn thư được xem và đặt số của sổ đăng ký.")


@bp.route("/registers")
def listing():
    _keeper()
    year = request.args.get("year", type=int)
    rows = registers.listing(current_user, year)
    return render_template("registers/index.html", registers=rows,
                           year=year or (rows[0]["year"] if rows else today().year))


@bp.route("/registers", methods=["POST"])
def set_last():
    _keeper()
    form = request.form
    year = form.get("year", "")
    return run(lambda: registers.set_last(current_user, form.get("issuer", ""),
                                          form.get("doc_type", ""), year,
                                          form.get("last_number", ""), form.get("note")),
               url_for("registers.listing", year=year if year.isdigit() else None),
               done="Đã đặt số đã dùng của sổ.")


@bp.route("/decisions/<int:item_id>/signed-scan", methods=["POST"])
def signed_scan(item_id):
    upload = request.files.get("file")

    def attach():
        if upload is None or not upload.filename:
            raise Invalid("Chọn tệp PDF bản chụp quyết định đã ký.", code="file_missing")
        return decisions.attach_signed_scan(current_user, item_id, upload.stream,
                                            upload.filename,
                                            request.form.get("version", type=int))

    # the number and date typed for «Ban hành» ride along (app.js) and stay on the page
    return run(attach, item_url("decision", item_id, typed_values(request.form)),
               done="Đã lưu bản chụp quyết định đã ký.")


@bp.route("/decisions/<int:item_id>/signed-scan/correction", methods=["POST"])
def correct_signed_scan(item_id):
    """After issue: a new scan replaces the official one only with a reason, recorded."""
    upload = request.files.get("file")

    def correct():
        if upload is None or not upload.filename:
            raise Invalid("Chọn tệp PDF bản chụp quyết định đã ký.", code="file_missing")
        return decisions.correct_signed_scan(current_user, item_id, upload.stream,
                                             upload.filename, request.form.get("reason"),
                                             request.form.get("version", type=int))

    return run(correct, url_for("work.decision", item_id=item_id),
               done="Đã thay bản chụp quyết định đã ký; bản cũ vẫn được lưu trong lịch sử.")


@bp.route("/decisions/<int:item_id>/paper-print", methods=["POST"])
def print_paper(item_id):
    """«In bản giấy» (NĐ 30 Điều 18 k5): record who prints how many copies, then give the
    issued PDF inline for the browser's printing (the Office stamps the seal on paper)."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        body, filename, sha = decisions.print_paper(current_user, item_id,
                                                    request.form.get("copies"),
                                                    request.form.get("version", type=int))
    except Invalid as error:
        for message in messages_of(error):
            flash(message, "danger")
        return redirect(url_for("work.decision", item_id=item_id))
    response = downloads.send(body, filename, "application/pdf", inline=True, sha256=sha)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/decisions/<int:item_id>/recall", methods=["POST"])
def recall(item_id):
    """«Thu hồi» (NĐ 30 Điều 18 k4): the Office withdraws an issued decision, with a reason."""
    return run(lambda: decisions.recall(current_user, item_id, request.form.get("reason"),
                                        request.form.get("version", type=int)),
               url_for("work.decision", item_id=item_id),
               done="Đã thu hồi quyết định; các nơi nhận được thông báo thu hồi.")


@bp.route("/decisions/<int:item_id>/amendments", methods=["POST"])
def amend(item_id):
    """The Board drafts a decision that cancels or replaces this issued one."""
    return run(lambda: decisions.create_amendment(current_user, item_id,
                                                  request.form.get("act"),
                                                  request.form.get("reason")),
               url_for("work.decision", item_id=item_id),
               done="Đã lập dự thảo quyết định; trình lãnh đạo Ban và Chủ tịch như mọi quyết định.",
               then=lambda d: url_for("work.decision", item_id=d.id))
