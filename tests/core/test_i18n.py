"""Every visible string goes through Flask-Babel, and both zh_CN and en work."""
import pathlib
import re

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from tests.conftest import csrf_token, login

ROOT = pathlib.Path(__file__).resolve().parents[2]
ZH = ROOT / "core/translations/zh_Hans_CN/LC_MESSAGES/messages.po"


def _extracted_ids():
    with open(ROOT / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
    ids = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords):
        if ".venv" in _file:
            continue
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def test_every_string_in_the_code_has_a_chinese_translation():
    with open(ZH, "rb") as f:
        catalog = read_po(f)
    translated = {m.id for m in catalog if m.id and m.string and "fuzzy" not in m.flags}
    missing = sorted(_extracted_ids() - translated)
    assert not missing, f"run `make messages` and translate these in {ZH.relative_to(ROOT)}: {missing[:10]}"


def test_the_catalogues_compile_as_make_install_compiles_them():
    """`pybabel compile` (run by `make install`) refuses a translation whose placeholders differ from
    the msgid's — e.g. a bare "20%" read as a format — though the tests' own compile accepts it."""
    for po in ROOT.glob("core/translations/*/LC_MESSAGES/messages.po"):
        with open(po, "rb") as f:
            catalog = read_po(f)
        errors = [(message.id, str(error)) for message, errs in catalog.check() for error in errs]
        assert not errors, f"{po.relative_to(ROOT)}: {errors[:5]}"


TEMPLATE_NOISE = [
    (re.compile(r"{#.*?#}", re.S), " "), (re.compile(r"{%.*?%}", re.S), " "),
    (re.compile(r"{{.*?}}", re.S), " "), (re.compile(r"<(script|style)\b.*?</\1>", re.S), " "),
    (re.compile(r"<[^>]+>", re.S), " "), (re.compile(r"&\w+;"), " "),
]
ALLOWED_BARE = {"English", "vip_", "VIP"}  # the language switch names itself in its own language


def test_templates_have_no_bare_visible_text():
    offenders = []
    for path in list((ROOT / "core").rglob("templates/**/*.html")) + list((ROOT / "domains").rglob("templates/**/*.html")):
        text = path.read_text()
        for pattern, repl in TEMPLATE_NOISE:
            text = pattern.sub(repl, text)
        words = {w for w in re.findall(r"[A-Za-z_]{2,}", text) if w not in ALLOWED_BARE}
        if words:
            offenders.append(f"{path.relative_to(ROOT)}: {sorted(words)[:5]}")
    assert offenders == []


def test_sign_in_page_in_both_languages(client):
    zh = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    en = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert "<h1>登录</h1>" in zh and '<html lang="zh-CN">' in zh
    assert "<h1>Sign in</h1>" in en and '<html lang="en">' in en


def test_tenant_default_then_personal_choice(client, world, two_tenants):
    csrf = login(client, "owner@a.test")
    staff_page = client.get("/t/tenant-a/admin/staff").get_data(as_text=True)
    assert "员工" in staff_page  # the tenant's default language is zh_CN
    client.post("/language", data={"locale": "en", "csrf_token": csrf, "next": "/t/tenant-a/admin/staff"})
    assert "<h1>Staff</h1>" in client.get("/t/tenant-a/admin/staff").get_data(as_text=True)
    # the choice is remembered for the person, in a new session too
    other = client.application.test_client()
    login(other, "owner@a.test")
    assert "<h1>Staff</h1>" in other.get("/t/tenant-a/admin/staff").get_data(as_text=True)


def test_english_tenant_default(client, world):
    t = world.tenant("london-shop", domains=["retail"], default_locale="en", timezone="Europe/London",
                     currency="GBP")
    world.staff(t, "cashier@london.test", positions=["retail.cashier"])
    login(client, "cashier@london.test")
    html = client.get("/t/london-shop/retail/").get_data(as_text=True)
    assert "Cashier" in html and "收银员" not in html


def test_api_errors_follow_the_language(client, two_tenants):
    headers = {"Authorization": f"Bearer {two_tenants['a_key']}", "Accept-Language": "en"}
    resp = client.patch("/api/v1/t/tenant-a/settings", headers=headers, json={"timezone": "Mars/Base"})
    # the tenant's default language (zh_CN) applies to its API too
    assert "时区" in resp.get_json()["errors"]["timezone"][0]


def test_unknown_language_is_refused(client):
    resp = client.post("/language", data={"locale": "klingon", "csrf_token": csrf_token(client)})
    assert resp.status_code == 400
