"""The JSON API's edges: the two ways to send a file, its refusals in the error shape, the document."""
import base64
import io

import pytest

from tests.conftest import Api
from tests.core.imports.helpers import csv_bytes, upload, upload_json


@pytest.fixture
def api(client, two_tenants):
    return Api(client, "tenant-a", two_tenants["a_key"])


def test_a_small_file_may_come_as_json(api):
    batch = upload_json(api, csv_bytes([["Name", "Phone"], ["Ann", "13700000001"]], encoding="gb18030"), "m.csv")
    assert (batch["kind"], batch["encoding"], batch["mapping"]) == ("csv", "utf-8", {"name": 0, "phone": 1})


@pytest.mark.parametrize("body, field", [
    ({"filename": "m.csv", "content_base64": "not base64!"}, "content_base64"),
    ({"filename": "m.csv"}, "content_base64"),
    ({"filename": "m.pdf", "content_base64": base64.b64encode(b"%PDF-1.4").decode()}, "file"),
    ({"filename": "m.csv", "content_base64": base64.b64encode(b"\n").decode()}, "file"),
    ({"filename": "m.csv", "content_base64": "", "extra": 1}, "extra"),
])
def test_bad_uploads_name_the_field(api, body, field):
    resp = api("POST", "/imports", json=body)
    assert resp.status_code == 422 and field in resp.get_json()["errors"], resp.get_json()


def test_multipart_without_a_file_and_over_the_limit(app, api, monkeypatch):
    resp = api("POST", "/imports", data={"other": "x"}, content_type="multipart/form-data")
    assert resp.status_code == 422 and "file" in resp.get_json()["errors"]
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 1000)
    resp = api("POST", "/imports", data={"file": (io.BytesIO(b"x" * 1500), "m.csv")},
               content_type="multipart/form-data")
    assert resp.status_code == 413 and "file" in resp.get_json()["errors"]
    resp = api("POST", "/imports", data={"file": (io.BytesIO(b"x" * 200_000), "m.csv")},
               content_type="multipart/form-data")
    assert resp.status_code == 413 and resp.get_json()["code"] == "payload_too_large"


def test_a_large_file_goes_through_multipart_only(app, api):
    big = csv_bytes([["姓名", "手机"]] + [[f"会员{i:06d}", f"139{i:08d}"] for i in range(60_000)])
    assert len(big) > app.config["MAX_CONTENT_LENGTH"]
    assert upload(api, big)["rows_total"] == 60_000  # the estimate from the line count
    resp = api("POST", "/imports", json={"filename": "m.csv", "content_base64": base64.b64encode(big).decode()})
    assert resp.status_code == 413


def test_the_document_describes_both_kinds_of_upload(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    body = spec["paths"]["/api/v1/t/{tenant}/imports"]["post"]["requestBody"]["content"]
    assert set(body) == {"multipart/form-data", "application/json"}
    assert "/api/v1/t/{tenant}/members/export" in spec["paths"]
