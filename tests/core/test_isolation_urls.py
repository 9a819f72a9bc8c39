"""Every URL rule in the app, walked as a user of tenant A with tenant B's slugs and ids.

Generated from the URL map, so routes added later are covered without editing this file. A new
URL variable needs one line in ``B_VALUES`` saying which of tenant B's objects fills it; the test
fails until it has one, rather than silently skipping the route.
"""
import json
import re


from tests.conftest import login

# Routes that are not tenant data: sign-in pages, the start page, static files, the API's own
# document. Everything else must answer 404 to a stranger.
PUBLIC = {
    "static", "auth.login", "auth.logout", "auth.forgot_password", "auth.reset_password",
    "auth.accept_invitation", "web.home", "web.set_language", "web.healthz",
    "api-docs.openapi_json", "api-docs.openapi_swagger_ui",
    "retail_public.join",  # a member's registration link: the token names the tenant (tests/domains/retail)
    "postal_public.calendar",  # a manager's calendar feed: the token names the tenant (tests/domains/postal)
    "billing_public.sign_up", "billing_public.webhook",  # a business signs up; Stripe signs (tests/core/billing)
}

# URL variable -> how to fill it with tenant B's object (w is the loyalty dict)
B_VALUES = {
    "tenant": lambda w: "tenant-b",
    "membership_id": lambda w: w["b_owner"],
    "api_key_id": lambda w: w["b_key_id"],
    "tenant_id": lambda w: w["b"],
    "status": lambda w: "suspended",
    "filename": lambda w: "x",
    "member_id": lambda w: w["b_member"],
    "card_id": lambda w: w["b_card"],
    "scheme_id": lambda w: w["b_scheme"],
    "change_id": lambda w: w["b_change"],
    "purchase_id": lambda w: w["b_purchase"],
    "request_id": lambda w: w["b_request"],
    "fmt": lambda w: "csv",
    "application_id": lambda w: w["b_application"],
    "task_id": lambda w: w["b_task"],
    "segment_id": lambda w: w["b_segment"],
    "store_id": lambda w: w["b_store"],
    "stay_id": lambda w: w["b_stay"],
    "step_id": lambda w: w["b_step"],
    "department": lambda w: "no-such-department",
    "form": lambda w: "notice",  # not tenant data: a board is found by the tenant alone
    "notice_id": lambda w: w["b_notice"],
    "batch_id": lambda w: w["b_batch"],
    "visit_id": lambda w: w["b_visit"],
    "station_id": lambda w: w["b_station"],
    "event_id": lambda w: w["b_event"],
    "report": lambda w: "no-such-report",  # postal reports: found by the tenant alone
    "contact_id": lambda w: w["b_contact"],
    "branch_id": lambda w: w["b_branch"],
    "counter_id": lambda w: w["b_counter"],
    "ticket_id": lambda w: w["b_ticket"],
}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _rules(app):
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint not in PUBLIC),
                  key=lambda r: r.rule)


def _url(rule, w, own_slug=None):
    missing = [a for a in rule.arguments if a not in B_VALUES]
    assert not missing, f"{rule.rule}: add B_VALUES for {missing} so this route is isolation-tested"
    values = {a: B_VALUES[a](w) for a in rule.arguments}
    if own_slug:
        values["tenant"] = own_slug
    return rule.build(values, append_unknown=False)[1]


SAMPLE = {"string": "abcd1234", "integer": 1, "number": 1, "boolean": True, "array": [], "object": {}}


def _sample_body(spec, path, method) -> dict:
    """A minimal valid body for the operation, from the OpenAPI document: the request must get past
    validation, so that a 404 comes from the object lookup itself."""
    op = spec["paths"].get(path, {}).get(method.lower(), {})
    schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    return _sample(spec, schema) if schema else {}


def _sample(spec, schema):
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "object")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: _sample(spec, props[name]) for name in schema.get("required", [])}
    if kind == "array":
        return [_sample(spec, schema.get("items", {}))]
    if kind == "string":
        return "2026-01-01T00:00:00+08:00" if schema.get("format") == "date-time" else "abcd1234"
    return SAMPLE[kind]


def _sample_query(spec, path, method) -> str:
    """Required query parameters, filled with valid values (same reason as the body)."""
    from urllib.parse import urlencode
    op = spec["paths"].get(path, {}).get(method.lower(), {})
    values = {}
    for p in op.get("parameters", []):
        if p.get("in") == "query" and p.get("required"):
            schema = p.get("schema", {})
            values[p["name"]] = ("2026-01-01T00:00:00+08:00" if schema.get("format") == "date-time"
                                 else SAMPLE.get(schema.get("type"), "abcd1234"))
    return ("?" + urlencode(values)) if values else ""


def _spec_path(rule):
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)


def _send(client, method, url, csrf=None, headers=None, body=None):
    headers = dict(headers or {})
    if url.startswith("/api/"):
        if csrf:
            headers["X-CSRFToken"] = csrf
        kwargs = ({"data": json.dumps(body or {}), "content_type": "application/json"}
                  if method in ("POST", "PUT", "PATCH") else {})
    else:
        kwargs = {"data": {"csrf_token": csrf}} if csrf and method != "GET" else {}
    return client.open(url, method=method, headers=headers, **kwargs)


def test_every_rule_hides_tenant_b_from_a_user_of_tenant_a(app, client, loyalty):
    csrf = login(client, "owner@a.test")
    spec = client.get("/api/v1/openapi.json").get_json()
    checked = 0
    for rule in _rules(app):
        for method in sorted(rule.methods & set(METHODS)):
            body = _sample_body(spec, _spec_path(rule), method)
            query = _sample_query(spec, _spec_path(rule), method)
            url = _url(rule, loyalty) + query
            resp = _send(client, method, url, csrf, body=body)
            assert resp.status_code == 404, f"{method} {url} ({rule.endpoint}) answered {resp.status_code}"
            checked += 1
            if "tenant" in rule.arguments and len(rule.arguments) > 1:
                # A's own slug with B's object ids: the object must not be found either
                url = _url(rule, loyalty, own_slug="tenant-a") + query
                resp = _send(client, method, url, csrf, body=body)
                assert resp.status_code == 404, f"{method} {url} ({rule.endpoint}) answered {resp.status_code}"
                checked += 1
    assert checked > 30


def test_every_api_rule_hides_tenant_b_from_tenant_as_api_key(app, client, loyalty):
    auth = {"Authorization": f"Bearer {loyalty['a_key']}"}
    spec = client.get("/api/v1/openapi.json").get_json()
    for rule in _rules(app):
        if not rule.rule.startswith("/api/"):
            continue
        for method in sorted(rule.methods & set(METHODS)):
            body = _sample_body(spec, _spec_path(rule), method)
            query = _sample_query(spec, _spec_path(rule), method)
            for own in (None, "tenant-a") if len(rule.arguments) > 1 else (None,):
                url = _url(rule, loyalty, own_slug=own) + query
                resp = _send(client, method, url, headers=auth, body=body)
                assert resp.status_code == 404, f"{method} {url} answered {resp.status_code}"


def test_every_rule_sends_strangers_to_sign_in(app, client, loyalty):
    for rule in _rules(app):
        for method in sorted(rule.methods & set(METHODS)):
            url = _url(rule, loyalty)
            resp = _send(client, method, url)
            if url.startswith("/api/"):
                assert resp.status_code == 401, f"{method} {url} answered {resp.status_code}"
                assert resp.get_json()["code"] == "unauthorized"
            elif method == "GET":
                assert resp.status_code == 302, f"{method} {url} answered {resp.status_code}"
                assert "/login" in resp.headers["Location"]
            else:  # a form post without a session has no CSRF token either: refused, never run
                assert resp.status_code in (302, 400), f"{method} {url} answered {resp.status_code}"


def test_own_tenant_is_reachable(client, loyalty):
    """The control: the same walk with A's own objects succeeds, so 404s above mean isolation."""
    login(client, "owner@a.test")
    assert client.get("/t/tenant-a/").status_code == 200
    assert client.get(f"/t/tenant-a/admin/staff/{loyalty['a_owner']}").status_code == 200
    for key in ("hotel", "retail", "bank", "postal"):
        assert client.get(f"/t/tenant-a/{key}/").status_code == 200
    resp = client.get(f"/api/v1/t/tenant-a/staff/{loyalty['a_staff']}",
                      headers={"Authorization": f"Bearer {loyalty['a_key']}"})
    assert resp.status_code == 200 and resp.get_json()["email"] == "staff@a.test"


def test_unknown_slug_and_foreign_slug_look_the_same(client, loyalty):
    login(client, "owner@a.test")
    foreign = client.get("/t/tenant-b/")
    unknown = client.get("/t/no-such-tenant/")
    assert foreign.status_code == unknown.status_code == 404
    # identical but for the address itself, echoed in the language switch's "next" field
    assert foreign.get_data(as_text=True).replace("tenant-b", "X") == \
        unknown.get_data(as_text=True).replace("no-such-tenant", "X")
