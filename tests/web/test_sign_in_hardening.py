"""Sessions and tokens end with a password change and a sign-out (issue 10 #6); sign-in
is throttled per address and per account, unknown names cost a real hash, lockouts are
shown to admins who lift them (#7)."""
import re
import time

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient

from app.extensions import db, limiter
from app.services import auth
from tests import helpers
from tests.conftest import PASSWORD
from tests.web.test_views import csrf_of, login

NEW_PASSWORD = "mat-khau-moi-2026"


class _OwnClient(FlaskClient):
    """The test's app context outlives each request, and with it ``g``, where Flask-Login
    keeps the user it loaded: forget it, so each request is judged by its own cookie or
    token, as in production."""

    def open(self, *args, **kwargs):
        if has_app_context():
            g.pop("_login_user", None)
            g.pop("bearer", None)
            g.pop("csrf_token", None)  # Flask-WTF caches the session's token there too
        return super().open(*args, **kwargs)


@pytest.fixture(autouse=True)
def _own_clients(app):
    saved = app.test_client_class
    app.test_client_class = _OwnClient
    yield
    app.test_client_class = saved


def test_a_password_change_revokes_every_token_and_every_other_session(app, world, api):
    other = app.test_client()  # the same person, signed in elsewhere
    assert login(other, "staff_a").status_code == 302
    token_client = api("staff_a")
    assert token_client.get("/api/v1/me").status_code == 200
    r = app.test_client().post("/api/v1/auth/token",
                               json={"username": "staff_a", "password": PASSWORD})
    issued = helpers.ApiClient(app.test_client(), r.get_json()["token"])

    this = app.test_client()
    login(this, "staff_a")
    page = this.get("/account/password").get_data(as_text=True)
    r = this.post("/account/password", data={"csrf_token": csrf_of(page), "current": PASSWORD,
                                             "new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert r.status_code == 302
    assert this.get("/").status_code == 200  # this session goes on
    assert other.get("/").status_code == 302  # the other one is over
    for client in (token_client, issued):
        r = client.get("/api/v1/me")
        assert r.status_code == 401 and r.get_json()["error"]["code"] == "invalid_token"


def test_an_admin_setting_a_password_ends_the_old_sessions(app, world, api):
    client = app.test_client()
    login(client, "staff_a")
    r = api("admin").patch("/api/v1/users/staff_a", json={"password": NEW_PASSWORD})
    assert r.status_code == 200, r.get_json()
    assert client.get("/").status_code == 302


def test_a_cookie_saved_before_sign_out_opens_nothing_after(app, world):
    client = app.test_client()
    login(client, "staff_a")
    saved = client.get_cookie("session").value
    page = client.get("/").get_data(as_text=True)
    assert client.post("/logout", data={"csrf_token": csrf_of(page)}).status_code == 302

    replay = app.test_client()
    replay.set_cookie("session", saved)
    r = replay.get("/")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login")
    assert login(app.test_client(), "staff_a").status_code == 302  # signing in again works


@pytest.fixture
def throttled(app):
    saved = {k: app.config[k] for k in ("LOGIN_RATE_LIMIT",)}
    app.config["LOGIN_RATE_LIMIT"] = "5 per minute"
    limiter.reset()
    yield
    app.config.update(saved)
    limiter.reset()


def test_one_address_is_throttled_with_429_and_retry_after(app, world, throttled):
    client = app.test_client()
    for i in range(5):
        r = client.post("/api/v1/auth/token",
                        json={"username": f"khong-co-{i}", "password": "sai-mat-khau"})
        assert r.status_code == 401
    r = client.post("/api/v1/auth/token", json={"username": "staff_a", "password": PASSWORD})
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0
    assert r.get_json()["error"]["code"] == "too_many_requests"
    page = client.get("/login")
    assert page.status_code == 200
    for _ in range(5):
        client.post("/login", data={"csrf_token": csrf_of(page.get_data(as_text=True)),
                                    "username": "x", "password": "y"})
    r = client.post("/login", data={"csrf_token": csrf_of(page.get_data(as_text=True)),
                                    "username": "staff_a", "password": PASSWORD})
    assert r.status_code == 429 and "Retry-After" in r.headers
    assert "Hãy thử lại sau" in r.get_data(as_text=True)


def test_an_account_is_locked_with_growing_delays_and_an_admin_lifts_it(app, world, api):
    client = app.test_client()

    def attempt(password):
        return client.post("/api/v1/auth/token",
                           json={"username": "staff_a", "password": password})

    for _ in range(app.config["LOGIN_FREE_FAILURES"]):
        assert attempt("sai-mat-khau").status_code in (401, 429)
    r = attempt(PASSWORD)  # even the right password waits
    assert r.status_code == 429 and r.get_json()["error"]["code"] == "too_many_attempts"
    assert int(r.headers["Retry-After"]) > 0  # the longer of the lock and the address limit
    waits = r.get_json()["error"]["details"]["retry_after"]
    assert 0 < waits <= app.config["LOGIN_LOCK_SECONDS"]
    assert auth.lock_delay(6) == 2 * auth.lock_delay(5)  # each further failure doubles it
    assert auth.lock_delay(60) == app.config["LOGIN_LOCK_MAX_SECONDS"]

    listed = {u["username"]: u for u in api("admin").get("/api/v1/users").get_json()}
    assert listed["staff_a"]["locked_until"] is not None
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "Tạm khóa đến" in page and "/admin/users/staff_a/unlock" in page
    r = admin.post("/admin/users/staff_a/unlock", data={"csrf_token": csrf_of(page)})
    assert r.status_code == 302
    assert attempt(PASSWORD).status_code == 201
    for _ in range(app.config["LOGIN_FREE_FAILURES"]):
        attempt("sai-mat-khau")
    assert api("admin").post("/api/v1/users/staff_a/unlock").status_code == 200
    assert attempt(PASSWORD).status_code == 201
    db.session.expire_all()
    assert world.users["staff_a"].failed_logins == 0


def test_an_unknown_user_costs_the_same_hash_as_a_known_one(app, world):
    """The test accounts use a cheap hash; give one the default method, as production."""
    from app.services import org

    org.upsert_user("that", "mat-khau-that-su", ["unit_staff"], "SYT")

    def timed(username):
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            with pytest.raises(auth.Unauthorized):
                auth.authenticate(username, "sai-mat-khau-nua")
            best = min(best, time.perf_counter() - start)
        return best

    org.unlock(world.users["admin"], "that")
    known, unknown = timed("that"), timed("khong-ton-tai")
    assert unknown > known / 3, (known, unknown)


def _api_answers(app, username, tries):
    client = app.test_client()
    out = []
    for _ in range(tries):
        r = client.post("/api/v1/auth/token",
                        json={"username": username, "password": "sai-mat-khau"})
        error = r.get_json()["error"]
        out.append((r.status_code, error["code"], error["message"],
                    error["details"].get("retry_after"), "Retry-After" in r.headers))
    return out


def _page_answers(app, username, tries):
    client = app.test_client()
    out = []
    for _ in range(tries):
        page = client.get("/login").get_data(as_text=True)
        r = client.post("/login", data={"csrf_token": csrf_of(page), "username": username,
                                        "password": "sai-mat-khau"})
        html = r.get_data(as_text=True)
        errors = re.findall(r'<div class="invalid-feedback d-block">([^<]*)</div>', html)
        out.append((r.status_code, errors, "Retry-After" in r.headers))
    return out


def _near(a, b):
    """Equal, but for a lock's seconds left, which may differ by the one the test took (the
    Retry-After header also counts the address's window, so only its presence is compared)."""
    if type(a) is int and type(b) is int:
        return abs(a - b) <= 1
    return a == b


@pytest.mark.parametrize("answers", [_api_answers, _page_answers], ids=["api", "pages"])
def test_a_real_and_an_unknown_username_get_the_same_answers(app, world, answers):
    """Issue 20 #15: six wrong passwords gave a real account 429 and an unknown name six
    401s; now both lock alike, and the lock grows alike, without a user row per name."""
    from app.models import User

    limiter.reset()
    tries = app.config["LOGIN_FREE_FAILURES"] + 2
    real = answers(app, "staff_a", tries)
    unknown = answers(app, "khong-ton-tai", tries)
    disabled = world.users["staff_b"]
    disabled.active = False
    db.session.commit()
    off = answers(app, "staff_b", tries)
    statuses = [a[0] for a in real]
    free = app.config["LOGIN_FREE_FAILURES"]
    assert statuses[:free] == [401 if answers is _api_answers else 422] * free, real
    assert statuses[free:] == [429, 429], real
    for other in (unknown, off):
        assert len(other) == len(real)
        for mine, theirs in zip(real, other, strict=True):
            assert all(_near(a, b) for a, b in zip(mine, theirs, strict=True)), (real, other)
    assert db.session.query(User).filter_by(username="khong-ton-tai").count() == 0
    limiter.reset()


def test_an_unknown_name_s_lock_ends_and_grows_as_an_account_s(app, world):
    """The lock of a name without an account ends after its delay, and the next wrong
    password locks it for twice as long, as it does an account."""
    limiter.reset()
    saved = app.config["LOGIN_LOCK_SECONDS"]
    app.config["LOGIN_LOCK_SECONDS"] = 1
    try:
        for name in ("staff_a", "khong-ton-tai"):
            for _ in range(app.config["LOGIN_FREE_FAILURES"]):
                with pytest.raises(auth.Unauthorized):
                    auth.authenticate(name, "sai")
            with pytest.raises(auth.Locked) as locked:
                auth.authenticate(name, "sai")
            assert locked.value.retry_after == 1
        time.sleep(1.1)
        for name in ("staff_a", "khong-ton-tai"):
            with pytest.raises(auth.Unauthorized):
                auth.authenticate(name, "sai")
            with pytest.raises(auth.Locked) as locked:
                auth.authenticate(name, "sai")
            assert locked.value.retry_after == 2, name
    finally:
        app.config["LOGIN_LOCK_SECONDS"] = saved
        limiter.reset()


@pytest.fixture
def secure_cookies(app):
    saved = app.config["SESSION_COOKIE_SECURE"]
    app.config["SESSION_COOKIE_SECURE"] = True  # as production sets it
    yield
    app.config["SESSION_COOKIE_SECURE"] = saved


def test_plain_http_sign_in_says_why_it_cannot_work(app, world, secure_cookies):
    """Issue 20 #18: with HTTPS-only cookies, a site opened over http:// showed a login page
    that did nothing (422, no message). The page now says it must be opened over https."""
    browser = app.test_client()
    page = browser.get("/login")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="needs-https"' in html and "Trang này phải được mở qua https://" in html
    assert 'href="https://localhost/login"' in html
    assert "Secure" in page.headers["Set-Cookie"]  # the cookie a browser keeps for https only
    # what the browser sends back over http: the form, without the Secure cookie
    r = app.test_client().post("/login", data={"csrf_token": csrf_of(html),
                                               "username": "staff_a", "password": PASSWORD})
    assert r.status_code == 422
    assert "Trang này phải được mở qua https://" in r.get_data(as_text=True)

    # over https (directly, or as the proxy reports it) the page is quiet and sign-in works
    secure = app.test_client()
    page = secure.get("/login", base_url="https://localhost")
    assert "needs-https" not in page.get_data(as_text=True)
    r = secure.post("/login", base_url="https://localhost",
                    data={"csrf_token": csrf_of(page.get_data(as_text=True)),
                          "username": "staff_a", "password": PASSWORD})
    assert r.status_code == 302
    proxied = app.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "needs-https" not in proxied.get_data(as_text=True)


def test_a_sign_in_form_without_its_cookie_says_so(app, world):
    """Over http in development (cookies not HTTPS-only), a form whose session cookie did
    not come back (blocked, expired) says to reload, instead of a silent 422."""
    html = app.test_client().get("/login").get_data(as_text=True)
    assert "needs-https" not in html and "stale-form" not in html
    r = app.test_client().post("/login", data={"csrf_token": csrf_of(html),
                                               "username": "staff_a", "password": PASSWORD})
    assert r.status_code == 422
    text = r.get_data(as_text=True)
    assert 'id="stale-form"' in text and "Hãy tải lại trang" in text
    assert "needs-https" not in text
