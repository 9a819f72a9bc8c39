"""A table of bad inputs sent to every API endpoint: each answers 4xx with the error shape.

The endpoints and their body fields come from the served OpenAPI document, so endpoints added
later are covered by this file as they are.
"""

import re

import pytest

WRONG_TYPE = {"string": 12345, "integer": "abc", "number": "abc", "boolean": "maybe",
              "array": "not-a-list", "object": 5}


def _spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def _resolve(spec, schema):
    while schema and "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = spec["components"]["schemas"][name]
    return schema or {}


def _operations(spec):
    for path, item in spec["paths"].items():
        if not path.startswith("/api/v1/t/{tenant}"):
            continue
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method.upper(), op


def _url(path, tenant="tenant-a"):
    return re.sub(r"\{\w+_id\}", "1", path.replace("{tenant}", tenant))


def _assert_error_shape(resp, where):
    assert 400 <= resp.status_code < 500, f"{where}: {resp.status_code} {resp.get_data(as_text=True)[:300]}"
    body = resp.get_json()
    assert isinstance(body, dict), f"{where}: not JSON"
    assert isinstance(body.get("code"), str) and isinstance(body.get("message"), str) and body["message"], where
    return body


@pytest.fixture
def api(client, two_tenants):
    headers = {"Authorization": f"Bearer {two_tenants['a_key']}"}

    def call(method, url, **kw):
        return client.open(url, method=method, headers={**headers, **kw.pop("headers", {})}, **kw)

    return call


BODY_CASES = [
    ("malformed JSON", '{"name": ', "application/json"),
    ("a JSON array", "[]", "application/json"),
    ("a JSON string", '"hello"', "application/json"),
    ("a JSON number", "42", "application/json"),
    ("JSON null", "null", "application/json"),
    ("not UTF-8", b"\xff\xfe\xfd", "application/json"),
    ("form data instead of JSON", "name=x", "application/x-www-form-urlencoded"),
]


def test_every_body_endpoint_rejects_malformed_bodies(client, api):
    ops = [(p, m, o) for p, m, o in _operations(_spec(client)) if "requestBody" in o]
    assert len(ops) >= 4
    for path, method, _op in ops:
        for label, body, ctype in BODY_CASES:
            resp = api(method, _url(path), data=body, content_type=ctype)
            _assert_error_shape(resp, f"{method} {path} with {label}")


def test_malformed_json_says_so(api):
    resp = api("POST", "/api/v1/t/tenant-a/staff", data='{"email": ', content_type="application/json")
    body = _assert_error_shape(resp, "malformed")
    assert resp.status_code == 400 and "JSON" in body["message"]


def test_every_body_field_rejects_a_wrong_type_and_names_the_field(client, api):
    spec = _spec(client)
    checked = 0
    for path, method, op in _operations(spec):
        if "requestBody" not in op:
            continue
        schema = _resolve(spec, op["requestBody"]["content"]["application/json"]["schema"])
        for field, prop in schema.get("properties", {}).items():
            prop = _resolve(spec, prop)
            if prop.get("readOnly") or prop.get("type") not in WRONG_TYPE:
                continue
            resp = api(method, _url(path), json={field: WRONG_TYPE[prop["type"]]})
            body = _assert_error_shape(resp, f"{method} {path} {field}")
            assert resp.status_code == 422, f"{method} {path} {field}: {resp.status_code}"
            assert field in body.get("errors", {}), f"{method} {path}: {field} not named in {body}"
            checked += 1
    assert checked >= 8


def test_every_body_endpoint_rejects_unknown_fields(client, api):
    for path, method, op in _operations(_spec(client)):
        if "requestBody" not in op:
            continue
        resp = api(method, _url(path), json={"no_such_field": 1})
        body = _assert_error_shape(resp, f"{method} {path}")
        assert "no_such_field" in body.get("errors", {}), f"{method} {path}: {body}"


def test_every_endpoint_rejects_an_oversized_body(client, app, api):
    big = '{"name": "' + "x" * (app.config["MAX_CONTENT_LENGTH"] + 10) + '"}'
    for path, method, _op in _operations(_spec(client)):
        if method == "GET":
            continue
        resp = api(method, _url(path), data=big, content_type="application/json")
        body = _assert_error_shape(resp, f"{method} {path} oversized")
        assert resp.status_code == 413, f"{method} {path}: {resp.status_code}"
        assert body["code"] == "payload_too_large"


@pytest.mark.parametrize("slug", ["BAD SLUG", "UPPER", "-dash", "a" * 80, "x%00y", "..", "t%2Fb"])
def test_every_endpoint_answers_404_to_a_bad_slug(client, api, slug):
    for path, method, _op in _operations(_spec(client)):
        resp = api(method, _url(path, tenant=slug), json={})
        body = _assert_error_shape(resp, f"{method} {path} slug={slug!r}")
        assert resp.status_code == 404 and body["code"] == "not_found"


def test_bad_ids_and_query_parameters(client, api):
    for bad in ["abc", "-1", "99999999999999999999999", "1.5"]:
        resp = api("GET", f"/api/v1/t/tenant-a/staff/{bad}")
        _assert_error_shape(resp, f"id {bad}")
    for query in ["page=abc", "page=0", "page_size=100000", "page_size=-3", "page_size=abc"]:
        for path, method, op in _operations(_spec(client)):
            if method != "GET" or not any(p.get("name") == "page" for p in op.get("parameters", [])):
                continue
            resp = api("GET", f"{_url(path)}?{query}")
            body = _assert_error_shape(resp, f"{path}?{query}")
            assert resp.status_code == 422 and body.get("errors"), body


def test_bad_idempotency_key(api):
    resp = api("POST", "/api/v1/t/tenant-a/api-keys", json={"name": "k"},
               headers={"Idempotency-Key": "x" * 500})
    body = _assert_error_shape(resp, "long key")
    assert resp.status_code == 400 and "Idempotency-Key" in body["message"]


def test_wrong_method_and_unknown_path_are_json(api):
    _assert_error_shape(api("DELETE", "/api/v1/t/tenant-a/settings"), "405")
    _assert_error_shape(api("GET", "/api/v1/t/tenant-a/nothing-here"), "404")
    _assert_error_shape(api("GET", "/api/v1/nothing"), "404 outside tenant")


def test_values_out_of_range_name_the_field(api):
    cases = [
        ("PATCH", "/api/v1/t/tenant-a/settings", {"timezone": "Mars/Olympus"}, "timezone"),
        ("PATCH", "/api/v1/t/tenant-a/settings", {"currency": "yuan"}, "currency"),
        ("PATCH", "/api/v1/t/tenant-a/settings", {"default_locale": "fr"}, "default_locale"),
        ("PATCH", "/api/v1/t/tenant-a/settings", {"enabled_domains": ["casino"]}, "enabled_domains"),
        ("PATCH", "/api/v1/t/tenant-a/settings", {"name": ""}, "name"),
        ("POST", "/api/v1/t/tenant-a/staff", {"email": "not-an-email", "name": "x"}, "email"),
        ("POST", "/api/v1/t/tenant-a/staff", {"email": "a@b.cn", "name": "x", "role": "king"}, "role"),
        ("POST", "/api/v1/t/tenant-a/staff", {"email": "a@b.cn", "name": "x", "positions": ["hotel.pope"]}, "positions"),
        ("POST", "/api/v1/t/tenant-a/staff", {"email": "a@b.cn"}, "name"),
        ("POST", "/api/v1/t/tenant-a/api-keys", {"name": "k", "role": "owner"}, "role"),
        ("POST", "/api/v1/t/tenant-a/api-keys", {"name": "k" * 81}, "name"),
    ]
    for method, url, payload, field in cases:
        resp = api(method, url, json=payload)
        body = _assert_error_shape(resp, f"{method} {url} {payload}")
        assert resp.status_code == 422, (payload, resp.status_code, body)
        assert field in body["errors"], (payload, body)


def test_nul_characters_are_refused_everywhere(client, api, two_tenants):
    resp = api("PATCH", "/api/v1/t/tenant-a/settings", json={"name": "a\u0000b"})
    body = _assert_error_shape(resp, "NUL in JSON")
    assert resp.status_code == 400 and "NUL" in body["message"]
    _assert_error_shape(api("GET", "/api/v1/t/tenant-a/staff?page=1%00"), "NUL in query")
    from tests.conftest import login
    csrf = login(client, "owner@a.test")
    resp = client.post("/t/tenant-a/admin/settings", data={"name": "a\x00b", "csrf_token": csrf})
    assert resp.status_code == 400
