"""The admin's scheme pages: start a draft from a template, edit it in forms (never JSON), see the
messages beside the fields, compare with the live version, simulate, export, publish."""
import csv
import io
import re

import pytest

from tests.conftest import Api, buy, line, login, new_member, publish_template


@pytest.fixture
def admin(client, world, two_tenants):
    csrf = login(client, "owner@a.test")
    return {"csrf": csrf, "api": Api(client, "tenant-a", two_tenants["a_key"]), **two_tenants}


def _form_fields(html: str) -> dict:
    """The values a browser would post for the editor as rendered (inputs, checked boxes, selects)."""
    data = {}
    for m in re.finditer(r'<input([^>]*)>', html):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', m.group(1)))
        kind = attrs.get("type", "text")
        if "name" not in attrs or kind in ("submit", "button"):
            continue
        if kind == "checkbox":
            if " checked" in m.group(1):
                data[attrs["name"]] = attrs.get("value", "y")
            continue
        data[attrs["name"]] = attrs.get("value", "")
    for m in re.finditer(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option (?:selected value="([^"]*)"|value="([^"]*)" selected)', m.group(2))
        if chosen:
            chosen = chosen.group(1) if chosen.group(1) is not None else chosen.group(2)
        else:
            first = re.search(r'<option[^>]* value="([^"]*)"', m.group(2))
            chosen = first.group(1) if first else ""
        data[m.group(1)] = chosen
    for m in re.finditer(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[m.group(1)] = m.group(2).strip()
    return data


def _new_draft(client, csrf, start="template:retail_88"):
    resp = client.post("/t/tenant-a/admin/schemes/new", data={"csrf_token": csrf, "start": start})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    return int(re.search(r"/schemes/(\d+)/edit", resp.headers["Location"]).group(1))


def test_a_draft_from_the_template_is_edited_in_forms(client, admin):
    sid = _new_draft(client, admin["csrf"])
    html = client.get(f"/t/tenant-a/admin/schemes/{sid}/edit").get_data(as_text=True)
    assert "{" not in re.sub(r"<script.*?</script>", "", html, flags=re.S).split("<main>")[1].split("</main>")[0]
    data = _form_fields(html)
    assert data["tiers-0-key"] == "vip" and data["tiers-0-qualify_mode"] == "any"
    assert data["tiers-0-conditions-0-amount"] == "1000.00" and data["tiers-0-discount_pct"] == "88"
    assert data["tiers-0-conditions-1-months"] == "6" and data["expiry_kind"] == "calendar_year"
    data["tiers-0-conditions-0-amount"] = "1200"
    resp = client.post(f"/t/tenant-a/admin/schemes/{sid}/edit", data={**data, "save": "1"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    doc = admin["api"].ok("GET", f"/schemes/{sid}")["document"]
    assert doc["tiers"][0]["qualify"]["any"][0] == {"single_purchase_at_least": 120000}
    # everything else is as the template had it
    assert doc["tiers"][0]["benefits"]["discount_rate"] == "0.88"
    assert doc["tiers"][0]["benefits"]["birthday"] == {"scope": "day", "rate": "0.6", "max_items": None,
                                                       "id_check": True, "once_per_year": True}
    assert doc["policies"]["registration_days"] == 30


def test_bad_values_are_answered_beside_their_fields(client, admin):
    sid = _new_draft(client, admin["csrf"])
    data = _form_fields(client.get(f"/t/tenant-a/admin/schemes/{sid}/edit").get_data(as_text=True))
    data.update({"tiers-0-conditions-1-months": "0", "tiers-0-discount_pct": "120", "tiers-0-key": "VIP card",
                 "tiers-0-conditions-2-amount": "abc"})
    resp = client.post(f"/t/tenant-a/admin/schemes/{sid}/edit", data={**data, "save": "1"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)

    def error_beside(name):
        block = re.search(r'<div class="field has-error">(?:(?!<div class="field).)*?name="%s"(.*?)</div>' % re.escape(name),
                          html, re.S)
        return block and re.search(r'class="error"', block.group(0))

    for name in ("tiers-0-conditions-1-months", "tiers-0-discount_pct", "tiers-0-conditions-2-amount"):
        assert error_beside(name), name
    # the key passes the form's own checks; the document's rule puts its message on the key
    data.update({"tiers-0-conditions-1-months": "6", "tiers-0-discount_pct": "88", "tiers-0-conditions-2-amount": "3000"})
    resp = client.post(f"/t/tenant-a/admin/schemes/{sid}/edit", data={**data, "save": "1"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert error_beside("tiers-0-key") and "a-z, 0-9" in html
    assert admin["api"].ok("GET", f"/schemes/{sid}")["document"]["tiers"][0]["key"] == "vip"  # nothing saved


def test_tiers_and_conditions_are_added_and_removed_without_saving(client, admin):
    sid = _new_draft(client, admin["csrf"])
    data = _form_fields(client.get(f"/t/tenant-a/admin/schemes/{sid}/edit").get_data(as_text=True))
    html = client.post(f"/t/tenant-a/admin/schemes/{sid}/edit", data={**data, "add_tier": "1"}).get_data(as_text=True)
    data = _form_fields(html)
    assert "tiers-1-key" in data and "tiers-1-conditions-0-kind" in data
    data.update({"tiers-1-key": "gold", "tiers-1-name": "金卡", "tiers-1-conditions-0-amount": "5000",
                 "tiers-1-requires_tier": "vip", "tiers-1-discount_pct": "80"})
    data = _form_fields(client.post(f"/t/tenant-a/admin/schemes/{sid}/edit",
                                    data={**data, "remove_condition": "0-2"}).get_data(as_text=True))
    assert "tiers-0-conditions-2-amount" not in data and data["tiers-1-key"] == "gold"
    assert admin["api"].ok("GET", f"/schemes/{sid}")["document"]["tiers"][0]["qualify"]["any"][2]  # not saved yet
    assert client.post(f"/t/tenant-a/admin/schemes/{sid}/edit", data={**data, "save": "1"}).status_code == 302
    doc = admin["api"].ok("GET", f"/schemes/{sid}")["document"]
    assert [t["key"] for t in doc["tiers"]] == ["vip", "gold"]
    assert doc["tiers"][0]["qualify"] == {"any": [{"single_purchase_at_least": 100000},
                                                  {"spend_within_months": {"amount": 200000, "months": 6}}]}
    assert doc["tiers"][1]["qualify"] == {"single_purchase_at_least": 500000}
    assert doc["tiers"][1]["requires_tier"] == "vip" and doc["tiers"][1]["benefits"]["discount_rate"] == "0.8"


def test_diff_simulate_export_and_publish(client, admin, world):
    api = admin["api"]
    live = publish_template(api, "retail_88")
    m = new_member(api, name="甲", phone="13800000031")
    buy(api, m["id"], "p1", [line(1100)])
    sid = _new_draft(client, admin["csrf"], start=f"copy:{live}")
    data = _form_fields(client.get(f"/t/tenant-a/admin/schemes/{sid}/edit").get_data(as_text=True))
    data["tiers-0-conditions-0-amount"] = "1200"
    assert client.post(f"/t/tenant-a/admin/schemes/{sid}/edit", data={**data, "save": "1"}).status_code == 302

    page = client.get(f"/t/tenant-a/admin/schemes/{sid}").get_data(as_text=True)
    diff = page.split('class="diff"')[1].split("</table>")[0]
    assert "1,000.00" in diff and "1,200.00" in diff and diff.count("<tr>") == 2  # header + one change

    resp = client.post(f"/t/tenant-a/admin/schemes/{sid}/simulate", data={"csrf_token": admin["csrf"]})
    assert resp.status_code == 302
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    row = re.search(r'<tr data-tier="vip">.*?<td class="now">(\d+)</td><td class="predicted">(\d+)</td>', html, re.S)
    assert row.groups() == ("1", "0")
    assert "甲" in html.split('id="movers"')[1]

    exported = client.get(f"/t/tenant-a/admin/schemes/{sid}/simulation/movers.csv")
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][1:5] == ["甲", "vip", "", "下调"] and rows[1][6] == "1100.00"
    xlsx = client.get(f"/t/tenant-a/admin/schemes/{sid}/simulation/movers.xlsx")
    from openpyxl import load_workbook
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))][1] == "甲"

    # publishing asks for a note, beside the field
    resp = client.post(f"/t/tenant-a/admin/schemes/{sid}/publish", data={"csrf_token": admin["csrf"], "note": ""})
    assert resp.status_code == 422 and 'class="error"' in resp.get_data(as_text=True).split('name="note"')[1][:400]
    resp = client.post(f"/t/tenant-a/admin/schemes/{sid}/publish",
                       data={"csrf_token": admin["csrf"], "note": "单笔门槛提高到1200元"})
    assert resp.status_code == 302
    versions = client.get("/t/tenant-a/admin/schemes/").get_data(as_text=True)
    assert re.search(r"v2</td>\s*<td>[^<]*</td>\s*<td><strong class=\"badge live\">", versions)
    # an edited draft's old run is not shown as if it were current
    assert api.ok("GET", f"/schemes/{sid}")["status"] == "published"


def test_a_stale_simulation_is_not_shown_after_an_edit(client, admin):
    sid = _new_draft(client, admin["csrf"])
    client.post(f"/t/tenant-a/admin/schemes/{sid}/simulate", data={"csrf_token": admin["csrf"]})
    assert 'id="tier-counts"' in client.get(f"/t/tenant-a/admin/schemes/{sid}/simulation").get_data(as_text=True)
    data = _form_fields(client.get(f"/t/tenant-a/admin/schemes/{sid}/edit").get_data(as_text=True))
    data["tiers-0-conditions-0-amount"] = "1500"
    client.post(f"/t/tenant-a/admin/schemes/{sid}/edit", data={**data, "save": "1"})
    assert 'id="tier-counts"' not in client.get(f"/t/tenant-a/admin/schemes/{sid}/simulation").get_data(as_text=True)


@pytest.mark.parametrize("lang,words", [("zh_CN", ["等级方案", "新草案"]), ("en", ["Tier schemes", "New draft"])])
def test_the_pages_speak_both_languages(client, admin, lang, words):
    client.post("/language", data={"locale": lang, "csrf_token": admin["csrf"], "next": "/"})
    html = client.get("/t/tenant-a/admin/schemes/").get_data(as_text=True)
    assert all(w in html for w in words)
    sid = _new_draft(client, admin["csrf"])
    edit = client.get(f"/t/tenant-a/admin/schemes/{sid}/edit").get_data(as_text=True)
    assert ("单笔消费满" in edit or "A single purchase of at least" in edit)


def test_staff_cannot_open_the_scheme_pages(client, world, two_tenants):
    login(client, "staff@a.test")
    assert client.get("/t/tenant-a/admin/schemes/").status_code == 403
