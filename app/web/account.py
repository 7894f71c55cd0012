"""Sign-in, sign-out and password change."""
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, ValidationError

from app.extensions import limiter, login_rate_limit
from app.services import auth as accounts
from app.services.auth import Locked, Unauthorized, authenticate
from app.services.errors import Invalid
from app.services.org import agency_name, check_password_policy

bp = Blueprint("account", __name__)


class LoginForm(FlaskForm):
    username = StringField("Tên đăng nhập", validators=[DataRequired("Nhập tên đăng nhập.")])
    password = PasswordField("Mật khẩu", validators=[DataRequired("Nhập mật khẩu.")])


def _password_policy(form, field):
    """The account service's rule, asked as the form validates (so every message shows)."""
    try:
        check_password_policy(field.data, field="new", label="Mật khẩu mới")
    except Invalid as error:
        raise ValidationError(error.message) from None


class PasswordForm(FlaskForm):
    current = PasswordField("Mật khẩu hiện tại", validators=[DataRequired("Nhập mật khẩu hiện tại.")])
    new = PasswordField("Mật khẩu mới", validators=[DataRequired("Nhập mật khẩu mới."),
                                                    _password_policy])
    confirm = PasswordField("Nhập lại mật khẩu mới", validators=[
        DataRequired("Nhập lại mật khẩu mới."), EqualTo("new", "Hai lần nhập không khớp.")])


def _safe_next(target):
    """Only a path on this site: never an open redirect."""
    if target and urlsplit(target).netloc == "" and target.startswith("/") \
            and not target.startswith("//"):
        return target
    return url_for("work.inbox")


# Pages a person with a password an admin has reset may still open.
_WHILE_CHANGING = {"account.change_password", "account.logout", "static"}


@bp.before_app_request
def _new_password_first():
    """After an admin's reset, nothing opens before the person chooses a new password."""
    if (getattr(current_user, "is_authenticated", False) and current_user.must_change_password
            and request.endpoint not in _WHILE_CHANGING
            and not request.path.startswith("/api/")):  # the pages only
        flash("Mật khẩu của bạn vừa được quản trị hệ thống đặt lại: hãy đặt mật khẩu mới "
              "trước khi tiếp tục.", "warning")
        return redirect(url_for("account.change_password"))
    return None


def _https_address():
    """This page's https:// address when it was opened over plain HTTP although the session
    cookie is sent only over HTTPS (SESSION_COOKIE_SECURE): the browser never sends the
    cookie back, so sign-in cannot succeed here. None when the page is fine."""
    if not current_app.config.get("SESSION_COOKIE_SECURE") or request.is_secure:
        return None
    if request.headers.get("X-Forwarded-Proto", "").lower() == "https":
        return None  # a proxy not configured as trusted (FORWARDED_PROXIES) says it is
    return "https://" + request.url.split("://", 1)[1]


def _login_page(form, status):
    return render_template("account/login.html", form=form, agency=agency_name(),
                           https_address=_https_address(),
                           stale=bool(form.errors.get("csrf_token"))), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_rate_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("work.inbox"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data.strip(), form.password.data)
        except Locked as error:
            form.password.errors.append(error.message)
            page, status = _login_page(form, 429)
            return page, status, {"Retry-After": str(error.retry_after)}
        except Unauthorized as error:
            form.password.errors.append(error.message)
        else:
            session.permanent = True  # expires after SESSION_LIFETIME_MINUTES
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    return _login_page(form, 422 if form.errors else 200)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = FlaskForm()
    if form.validate_on_submit():
        accounts.sign_out(current_user)
        logout_user()
        flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("account.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current.data, form.new.data)
        except Invalid as error:
            form.current.errors.append(error.message)
        else:
            login_user(current_user._get_current_object())  # this session, the new version
            flash("Đã đổi mật khẩu. Các phiên đăng nhập và mã truy cập khác đã bị thu hồi.",
                  "success")
            return redirect(url_for("work.inbox"))
    return render_template("account/password.html", form=form), (422 if form.errors else 200)
