"""The admin pages: upload (with its field errors), mapping, dry-run result, import, progress; both
languages; the JSON status the progress bar polls."""
import io
import re

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.members.models import Member
from core.tenancy.context import tenant_context
from tests.conftest import Api, drain_jobs, login, publish_template
from tests.core.imports.helpers import csv_bytes, xlsx_bytes

BASE = "/t/tenant-a/admin/imports"


@pytest.fixture
def admin(client, two_tenants):
    csrf = login(client, "owner@a.test")
    return csrf


def _post_file(client, csrf, content, filename):
    return client.post(f"{BASE}/new", data={"csrf_token": csrf, "file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def _field_errors(html):
    return re.findall(r'<small class="error" role="alert">([^<]+)</small>', html)


def _batch_id(resp):
    return int(resp.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def test_upload_map_check_and_import_through_the_pages(app, client, two_tenants, admin):
    api = Api(client, "tenant-a", two_tenants["a_key"])
    publish_template(api, "retail_88")
    rows = [["客户名", "手机号码", "生日", "会员等级"],
            ["张丽", "13812345678", "1990-05-17", "VIP"], ["王强", "13812345679", "1985年3月9日", ""]]
    resp = _post_file(client, admin, xlsx_bytes(rows), "会员.xlsx")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    batch_id = _batch_id(resp)
    page = client.get(f"{BASE}/{batch_id}").get_data(as_text=True)
    assert "会员.xlsx" in page and 'name="phone"' in page
    # "客户名" is not guessed as the name: the admin picks the column
    assert re.search(r'<select id="name" name="name"><option selected value="">', page)
    resp = client.post(f"{BASE}/{batch_id}", data={"csrf_token": admin, "name": "0", "phone": "1", "birthday": "2",
                                                   "tier_key": "3"})
    assert resp.status_code == 302
    drain_jobs(app)
    page = client.get(f"{BASE}/{batch_id}").get_data(as_text=True)
    assert f'action="{BASE}/{batch_id}/start"' in page
    resp = client.post(f"{BASE}/{batch_id}/start", data={"csrf_token": admin})
    assert resp.status_code == 302
    drain_jobs(app)
    page = client.get(f"{BASE}/{batch_id}").get_data(as_text=True)
    assert "<progress" not in page and "import-done" in page
    with app.app_context(), tenant_context(two_tenants["a"]):
        assert db.session.scalar(select(func.count(Member.id))) == 2
    # an imported file is not checked or imported again; the page says so
    resp = client.post(f"{BASE}/{batch_id}", data={"csrf_token": admin, "name": "0"})
    assert resp.status_code == 200 and 'class="flash error" role="alert"' in resp.get_data(as_text=True)
    resp = client.post(f"{BASE}/{batch_id}/start", data={"csrf_token": admin}, follow_redirects=True)
    assert 'class="flash error"' in resp.get_data(as_text=True)
    with app.app_context(), tenant_context(two_tenants["a"]):
        assert db.session.scalar(select(func.count(Member.id))) == 2
    # the list shows it, in the nav too
    listing = client.get(BASE).get_data(as_text=True)
    assert "会员.xlsx" in listing and f'href="{BASE}"' in listing


def test_bad_rows_are_listed_page_by_page_and_downloadable(app, client, two_tenants, admin):
    rows = [["姓名", "手机"]] + [[f"会员{i}", "12345" if i % 2 else f"139{i:08d}"] for i in range(250)]
    resp = _post_file(client, admin, csv_bytes(rows), "bad.csv")
    batch_id = _batch_id(resp)
    client.post(f"{BASE}/{batch_id}", data={"csrf_token": admin, "name": "0", "phone": "1"})
    drain_jobs(app)
    first = client.get(f"{BASE}/{batch_id}").get_data(as_text=True)
    assert first.count("<tr><td>") == 100 and "<tr><td>3</td>" in first  # row 3 holds 会员1
    assert "action=\"" + f"{BASE}/{batch_id}/start" not in first  # no import button while rows are bad
    second = client.get(f"{BASE}/{batch_id}?page=2").get_data(as_text=True)
    assert "<tr><td>203</td>" in second
    csv_resp = client.get(f"{BASE}/{batch_id}/problems.csv")
    assert csv_resp.status_code == 200 and csv_resp.mimetype == "text/csv"
    body = csv_resp.get_data().decode("utf-8")
    assert body.startswith("\ufeff")
    lines = body.strip().splitlines()
    assert len(lines) == 1 + 125 and lines[1].startswith("3,手机,")
    # a refused start says why, and imports nothing
    resp = client.post(f"{BASE}/{batch_id}/start", data={"csrf_token": admin}, follow_redirects=True)
    assert "125" in resp.get_data(as_text=True)


def test_upload_answers_bad_input_beside_the_file_field(app, client, admin):
    cases = [
        ({"csrf_token": admin}, None),                                                  # no file
        ({"csrf_token": admin, "file": (io.BytesIO(b"%PDF-1.4"), "list.pdf")}, None),   # wrong type
        ({"csrf_token": admin, "file": (io.BytesIO(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64), "old.xls")},
         ".xls"),
        ({"csrf_token": admin, "file": (io.BytesIO(b""), "empty.csv")}, None),
        ({"csrf_token": admin, "file": (io.BytesIO(b"PK\x03\x04junk"), "broken.xlsx")}, ".xlsx"),
    ]
    for data, word in cases:
        resp = client.post(f"{BASE}/new", data=data, content_type="multipart/form-data")
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200, (data, resp.status_code)
        errors = _field_errors(html)
        assert len(errors) == 1, (data, errors)
        assert 'class="field has-error"' in html and 'type="file"' in html
        if word:
            assert word in errors[0]


def test_a_file_over_the_limit_is_refused_beside_the_field(app, client, admin, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 2000)
    just_over = csv_bytes([["姓名"]] + [["张三丰"]] * 200)  # about 2.2 kB: the service says no
    resp = _post_file(client, admin, just_over, "big.csv")
    assert resp.status_code == 200 and len(_field_errors(resp.get_data(as_text=True))) == 1
    far_over = b"x" * (2000 + 128 * 1024)  # the body itself is over the limit: refused before reading
    resp = _post_file(client, admin, far_over, "huge.csv")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 413 and len(_field_errors(html)) == 1 and 'type="file"' in html


def test_uploads_larger_than_the_general_body_limit_are_accepted(app, client, admin):
    big = csv_bytes([["姓名", "手机"]] + [[f"会员{i:06d}", f"139{i:08d}"] for i in range(60_000)])
    assert len(big) > app.config["MAX_CONTENT_LENGTH"]
    assert _post_file(client, admin, big, "big.csv").status_code == 302
    # the same size as a plain form post is still refused: only the upload takes large bodies
    assert client.post(f"{BASE}/new", data={"csrf_token": admin, "x": big.decode()}).status_code == 413


def test_mapping_form_answers_bad_input_beside_the_fields(app, client, admin):
    resp = _post_file(client, admin, csv_bytes([["甲", "乙"], ["张丽", "13812345678"]]), "m.csv")
    batch_id = _batch_id(resp)
    for data, field in [({"phone": "1"}, "name"), ({"name": "0", "phone": "0"}, "phone"),
                        ({"name": "9"}, "name"), ({"name": "0", "gender": "abc"}, "gender")]:
        resp = client.post(f"{BASE}/{batch_id}", data={"csrf_token": admin, **data})
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200 and len(_field_errors(html)) == 1, (data, _field_errors(html))
        assert re.search(rf'<div class="field has-error">\s*<label for="{field}"', html), (data, field)


@pytest.mark.parametrize("locale, words", [("zh_CN", ["导入会员", "上传"]), ("en", ["Import members", "Upload"])])
def test_pages_in_both_languages(app, client, two_tenants, admin, locale, words):
    client.post("/language", data={"locale": locale, "csrf_token": admin, "next": BASE})
    resp = _post_file(client, admin, csv_bytes([["姓名"], ["张丽"]]), "m.csv")
    batch_id = _batch_id(resp)
    for path in (BASE, f"{BASE}/new", f"{BASE}/{batch_id}", "/t/tenant-a/admin/members/export"):
        page = client.get(path)
        assert page.status_code == 200, path
        html = page.get_data(as_text=True)
        assert f'<html lang="{"zh-CN" if locale == "zh_CN" else "en"}">' in html
    listing = client.get(BASE).get_data(as_text=True)
    if locale == "en":
        for w in words:
            assert w in listing


def test_progress_bar_polls_the_status_endpoint(app, client, two_tenants, admin, monkeypatch):
    """While a job runs the page shows a <progress> bar fed by the API's status of the batch."""
    resp = _post_file(client, admin, csv_bytes([["姓名"], ["张丽"]]), "m.csv")
    batch_id = _batch_id(resp)
    from core.imports import services
    monkeypatch.setattr(services, "enqueue", lambda *a, **k: None)  # leave the check "running"
    client.post(f"{BASE}/{batch_id}", data={"csrf_token": admin, "name": "0"})
    html = client.get(f"{BASE}/{batch_id}").get_data(as_text=True)
    m = re.search(r'<progress id="import-progress" max="(\d+)" value="(\d+)"\s+data-url="([^"]+)"', html)
    assert m and m.group(3) == f"/api/v1/t/tenant-a/imports/{batch_id}"
    status = client.get(m.group(3)).get_json()  # the browser's session is enough (no API key)
    assert status["status"] == "validating" and status["rows_done"] == 0 and status["rows_total"] == 1


def test_staff_and_managers_do_not_reach_the_import(app, client, world, two_tenants):
    world.staff(two_tenants["a"], "manager@a.test", role="manager")
    login(client, "manager@a.test")
    assert client.get(BASE).status_code == 403
    assert client.get("/t/tenant-a/admin/members/export?format=csv").status_code == 403
    assert "导入会员" not in client.get("/t/tenant-a/").get_data(as_text=True)
