"""Signing in and out, password reset, invitations, CSRF, rate limit, cookie settings."""
import re

from tests.conftest import PASSWORD, csrf_token, drain_jobs, login


def _mail_link(app, to):
    drain_jobs(app)
    mails = [m for m in app.extensions.get("vip_sent_mail", []) if m["to"] == to]
    assert mails, f"no mail to {to}"
    return re.search(r"http://\S+", mails[-1]["body"]).group(0).replace("http://localhost", "")


def test_login_and_logout(client, two_tenants):
    assert client.get("/t/tenant-a/").status_code == 302
    csrf = login(client, "owner@a.test")
    page = client.get("/t/tenant-a/")
    assert page.status_code == 200 and "甲酒店" in page.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf})
    assert client.get("/t/tenant-a/").status_code == 302


def test_wrong_password_and_unknown_user_look_the_same(client, two_tenants):
    token = csrf_token(client)
    a = client.post("/login", data={"email": "owner@a.test", "password": "wrong-password", "csrf_token": token})
    b = client.post("/login", data={"email": "nobody@a.test", "password": "wrong-password", "csrf_token": token})
    assert a.status_code == b.status_code == 200
    assert "E-mail or password is wrong." in a.get_data(as_text=True) or "邮箱或密码" in a.get_data(as_text=True)
    assert a.get_data(as_text=True).replace("owner@a.test", "X") == b.get_data(as_text=True).replace("nobody@a.test", "X")


def test_open_redirect_is_refused(client, two_tenants):
    token = csrf_token(client)
    resp = client.post("/login?next=//evil.example/x", data={"email": "owner@a.test", "password": PASSWORD,
                                                             "csrf_token": token})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"


def test_forms_require_csrf(client, two_tenants):
    resp = client.post("/login", data={"email": "owner@a.test", "password": PASSWORD})
    assert resp.status_code == 400
    login(client, "owner@a.test")
    resp = client.post("/t/tenant-a/admin/settings", data={"name": "Hijacked"})
    assert resp.status_code == 400
    # the API, called from a browser session, needs the token in a header
    resp = client.patch("/api/v1/t/tenant-a/settings", json={"name": "Hijacked"})
    assert resp.status_code == 400 and resp.get_json()["code"] == "bad_request"


def test_login_attempts_are_rate_limited(app, client, two_tenants):
    token = csrf_token(client)
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    codes = [client.post("/login", data={"email": "owner@a.test", "password": "nope-nope-nope",
                                         "csrf_token": token}).status_code for _ in range(limit + 1)]
    assert codes[:limit] == [200] * limit and codes[-1] == 429
    # another address is not locked out by someone guessing at this one
    other = client.post("/login", data={"email": "staff@a.test", "password": PASSWORD, "csrf_token": token})
    assert other.status_code == 302


def test_session_cookie_is_hardened(app, two_tenants):
    from core.app import create_app
    prod = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    assert prod.config["SESSION_COOKIE_SECURE"] is True  # the embedded default
    assert prod.config["SESSION_COOKIE_HTTPONLY"] is True
    assert prod.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert prod.config["REMEMBER_COOKIE_SECURE"] is True


def test_passwords_are_hashed_with_scrypt_by_default(app, two_tenants):
    from core.app import create_app
    from core.identity.services import hash_password
    prod = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    with prod.app_context():
        assert hash_password("a long enough secret").startswith("scrypt:")


def test_password_reset_by_mail(app, client, two_tenants):
    token = csrf_token(client, "/password/forgot")
    resp = client.post("/password/forgot", data={"email": "staff@a.test", "csrf_token": token})
    assert resp.status_code == 302
    client.post("/password/forgot", data={"email": "ghost@a.test", "csrf_token": token})
    link = _mail_link(app, "staff@a.test")
    assert not [m for m in app.extensions["vip_sent_mail"] if m["to"] == "ghost@a.test"]
    page = client.get(link)
    assert page.status_code == 200
    token = csrf_token(client, link)
    short = client.post(link, data={"password": "short", "confirm": "short", "csrf_token": token})
    assert short.status_code == 200  # form error, nothing changed
    resp = client.post(link, data={"password": "a brand new secret", "confirm": "a brand new secret",
                                   "csrf_token": token})
    assert resp.status_code == 302
    assert client.get(link).status_code == 404  # single use: the password changed
    login(client, "staff@a.test", "a brand new secret")


def test_tampered_tokens_are_404(client):
    assert client.get("/password/reset/not-a-token").status_code == 404
    assert client.get("/invitation/not-a-token").status_code == 404


def test_invited_staff_set_a_password_then_sign_in(app, client, two_tenants):
    csrf = login(client, "owner@a.test")
    resp = client.post("/t/tenant-a/admin/staff/new", data={
        "email": "newbie@a.test", "name": "李新", "role": "staff", "positions": ["hotel.qa"],
        "csrf_token": csrf})
    assert resp.status_code == 302
    link = _mail_link(app, "newbie@a.test")
    client.post("/logout", data={"csrf_token": csrf})
    bad = client.post("/login", data={"email": "newbie@a.test", "password": "", "csrf_token": csrf_token(client)})
    assert bad.status_code == 200
    token = csrf_token(client, link)
    client.post(link, data={"password": "my own password", "confirm": "my own password", "csrf_token": token})
    login(client, "newbie@a.test", "my own password")
    assert client.get("/t/tenant-a/hotel/").status_code == 200
