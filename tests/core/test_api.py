"""The API's own behaviour: keys, pagination, Idempotency-Key, the OpenAPI document and docs."""
import json
import re


def _auth(raw):
    return {"Authorization": f"Bearer {raw}"}


def test_api_key_authenticates_and_revocation_is_immediate(client, two_tenants):
    raw = two_tenants["a_key"]
    assert client.get("/api/v1/t/tenant-a/settings", headers=_auth(raw)).get_json()["slug"] == "tenant-a"
    resp = client.delete(f"/api/v1/t/tenant-a/api-keys/{two_tenants['a_key_id']}", headers=_auth(raw))
    assert resp.status_code == 200 and resp.get_json()["revoked_at"]
    resp = client.get("/api/v1/t/tenant-a/settings", headers=_auth(raw))
    assert resp.status_code == 401 and resp.get_json()["code"] == "unauthorized"
    assert client.get("/api/v1/t/tenant-a/settings", headers=_auth("vip_nope_nope")).status_code == 401


def test_new_key_is_shown_once_and_stored_hashed(app, client, world, two_tenants):
    resp = client.post("/api/v1/t/tenant-a/api-keys", headers=_auth(two_tenants["a_key"]),
                       json={"name": "PMS 接口", "role": "staff"})
    assert resp.status_code == 201
    raw = resp.get_json()["key"]
    assert raw.startswith("vip_")
    listed = client.get("/api/v1/t/tenant-a/api-keys", headers=_auth(two_tenants["a_key"])).get_json()
    assert all("key" not in k for k in listed)
    from sqlalchemy import select

    from core.extensions import db
    from core.identity.models import ApiKey
    with world.as_tenant(two_tenants["a"]):
        stored = db.session.scalars(select(ApiKey.key_hash)).all()
    assert raw not in stored and all(len(h) == 64 for h in stored)
    # a staff-role key may read but not administer
    assert client.get("/api/v1/t/tenant-a/settings", headers=_auth(raw)).status_code == 200
    resp = client.patch("/api/v1/t/tenant-a/settings", headers=_auth(raw), json={"name": "x"})
    assert resp.status_code == 403 and resp.get_json()["code"] == "forbidden"


def test_lists_paginate(client, world, two_tenants):
    for i in range(7):
        world.staff(two_tenants["a"], f"p{i}@a.test")
    resp = client.get("/api/v1/t/tenant-a/staff?page=2&page_size=4", headers=_auth(two_tenants["a_key"]))
    assert resp.status_code == 200
    meta = json.loads(resp.headers["X-Pagination"])
    assert meta["total"] == 9 and meta["total_pages"] == 3 and meta["page"] == 2
    assert len(resp.get_json()) == 4


def test_idempotency_key_replays_instead_of_repeating(client, world, two_tenants):
    headers = {**_auth(two_tenants["a_key"]), "Idempotency-Key": "invite-7"}
    body = {"email": "once@a.test", "name": "只一次", "role": "staff"}
    first = client.post("/api/v1/t/tenant-a/staff", headers=headers, json=body)
    second = client.post("/api/v1/t/tenant-a/staff", headers=headers, json=body)
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    staff = client.get("/api/v1/t/tenant-a/staff?page_size=100", headers=_auth(two_tenants["a_key"])).get_json()
    assert [s["email"] for s in staff].count("once@a.test") == 1
    # the same key with a different request is refused, not silently replayed
    other = client.post("/api/v1/t/tenant-a/staff", headers=headers, json={**body, "email": "twice@a.test"})
    assert other.status_code == 422 and other.get_json()["code"] == "idempotency_key_reused"
    # keys are per tenant: B may use the same key string for its own request
    b = client.post("/api/v1/t/tenant-b/staff", json=body,
                    headers={**_auth(two_tenants["b_key"]), "Idempotency-Key": "invite-7"})
    assert b.status_code == 201 and b.headers.get("Idempotent-Replayed") is None


def test_duplicate_staff_without_key_is_a_clear_conflict(client, two_tenants):
    resp = client.post("/api/v1/t/tenant-a/staff", headers=_auth(two_tenants["a_key"]),
                       json={"email": "staff@a.test", "name": "x"})
    assert resp.status_code == 409 and "email" in resp.get_json()["errors"]


def test_openapi_document_is_the_contract(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["info"]["title"] == "VIP Service API"
    paths = spec["paths"]
    for p in ["/api/v1/t/{tenant}/settings", "/api/v1/t/{tenant}/staff", "/api/v1/t/{tenant}/api-keys",
              "/api/v1/t/{tenant}/audit", "/api/v1/t/{tenant}/hotel/team"]:
        assert p in paths, p
    assert spec["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"


def test_docs_page_uses_only_vendored_assets(client):
    html = client.get("/api/v1/docs").get_data(as_text=True)
    srcs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert srcs and all(s.startswith("/static/vendor/swagger-ui/") for s in srcs), srcs
    for s in srcs:
        assert client.get(s).status_code == 200, s


def test_domain_team_endpoint(client, world, two_tenants):
    resp = client.get("/api/v1/t/tenant-a/hotel/team", headers=_auth(two_tenants["a_key"]))
    gm = next(p for p in resp.get_json()["positions"] if p["position"] == "hotel.gm")
    assert [h["email"] for h in gm["holders"]] == ["staff@a.test"]
