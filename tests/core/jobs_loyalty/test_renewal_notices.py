"""December renewal notices (001 第十六–十七条): in December, under a scheme whose cards are renewed
every December, a reminder for each member whose active card lapses at the coming new year."""
import copy

import pytest

from core.service import periodic
from core.tiers.ladders import TEMPLATES
from tests.conftest import Api, buy, line, new_member, publish_template
from tests.core.jobs_loyalty.common import made, run, set_card, sh, utc

NEW_YEAR_2027 = sh(2027, 1, 1)


def _card(api, member_id):
    return api.ok("GET", f"/members/{member_id}/cards")[0]


@pytest.fixture
def cards(app, client, two_tenants):
    a = Api(client, "tenant-a", two_tenants["a_key"])
    ta = two_tenants["a"]
    publish_template(a, "retail_88")  # validity: december_renewal
    ann = new_member(a, contact_channel="sms")["id"]
    buy(a, ann, "ann", [line(1200)], at=sh(2026, 3, 1, 10))          # VIP: card valid to 1 January
    bob = new_member(a, name="王强")["id"]
    buy(a, bob, "bob", [line(100)], at=sh(2025, 12, 20, 10))         # accumulation card, lapses 20 December
    cat = new_member(a, name="李娜")["id"]
    buy(a, cat, "cat", [line(1200)], at=sh(2026, 3, 2, 10))
    set_card(app, ta, _card(a, cat)["id"], valid_until=sh(2028, 1, 1))  # as if issued in December: next year's
    dan = new_member(a, name="赵六")["id"]
    buy(a, dan, "dan", [line(1200)], at=sh(2026, 3, 3, 10))
    set_card(app, ta, _card(a, dan)["id"], status="void")
    eve = new_member(a, name="钱七", promotions_consent=True)["id"]
    a.ok("POST", f"/members/{eve}/cards", {"number": "VIP-0001"})    # a physical card, issued in June
    # dated explicitly: one issued "now" in a real December would run to the new year after next
    set_card(app, ta, _card(a, eve)["id"], issued_at=sh(2026, 6, 1, 10), valid_until=NEW_YEAR_2027)
    return {"a": a, "ta": ta, "tb": two_tenants["b"], "ann": ann, "bob": bob, "cat": cat, "dan": dan, "eve": eve}


def test_the_cards_are_what_the_test_assumes(cards):
    a = cards["a"]
    assert _card(a, cards["ann"])["valid_until"].startswith("2026-12-31T16:00:00")  # 2027-01-01 00:00 Shanghai
    assert _card(a, cards["eve"])["valid_until"].startswith("2026-12-31T16:00:00")
    assert _card(a, cards["bob"])["kind"] == "accumulation"


def test_made_in_december_only_for_cards_lapsing_at_the_new_year(app, cards):
    fn, ta = periodic.renewal_notices_for, cards["ta"]
    assert run(app, fn, ta, sh(2026, 11, 30, 23, 59)) == 0     # November: nothing
    as_of = sh(2026, 12, 1, 0, 5)                              # 1 December in Shanghai, 30 November in UTC
    assert utc(as_of).month == 11
    assert run(app, fn, ta, as_of) == 2
    rows = {r["member_id"]: r for r in made(app, ta)}
    assert set(rows) == {cards["ann"], cards["eve"]}  # not the accumulation card, next year's, or a void one
    for r in rows.values():
        assert r["kind"] == "follow_up" and r["subject"] == "会员卡续期提醒"
        assert r["dedupe_key"] == f"renewal:2026:{r['member_id']}"
        assert r["due_at"] == utc(sh(2026, 12, 7, 17, 30))  # within a week (Monday 7th)
        assert r["detail"].startswith("会员卡有效期至2026-12-31。十二月为换卡月")
    assert rows[cards["ann"]]["channel"] == "sms"
    assert rows[cards["ann"]]["detail"].endswith("会员未同意接收促销信息：不得提及任何促销。")
    assert rows[cards["eve"]]["detail"].endswith("会员已同意接收促销信息。")


def test_once_per_member_per_year(app, cards):
    fn, ta = periodic.renewal_notices_for, cards["ta"]
    assert run(app, fn, ta, sh(2026, 12, 1, 9)) == 2
    assert run(app, fn, ta, sh(2026, 12, 1, 9)) == 0
    assert run(app, fn, ta, sh(2026, 12, 15, 9)) == 0
    assert run(app, fn, ta, sh(2026, 12, 31, 23, 30)) == 0
    assert run(app, fn, ta, sh(2027, 1, 2, 9)) == 0            # January: nothing
    assert run(app, fn, ta, sh(2027, 11, 30, 9)) == 0
    assert run(app, fn, ta, sh(2027, 12, 1, 9)) == 1           # next December: the card issued "in December"
    assert made(app, ta)[-1]["member_id"] == cards["cat"]
    assert made(app, ta)[-1]["dedupe_key"] == f"renewal:2027:{cards['cat']}"


def test_late_in_december_the_notice_is_due_by_the_31st(app, cards):
    assert run(app, periodic.renewal_notices_for, cards["ta"], sh(2026, 12, 28, 9)) == 2
    assert {r["due_at"] for r in made(app, cards["ta"])} == {utc(sh(2026, 12, 31, 17, 30))}


def test_only_under_a_december_renewal_scheme(app, client, cards, two_tenants):
    # tenant B: a scheme whose cards run 365 days from issue; a card that happens to end on 1 January
    b = Api(client, "tenant-b", two_tenants["b_key"])
    publish_template(b, "apparel")
    m = new_member(b)["id"]
    buy(b, m, "b1", [line(6000)], at=sh(2026, 3, 1, 10))
    set_card(app, cards["tb"], _card(b, m)["id"], valid_until=NEW_YEAR_2027)
    assert run(app, periodic.renewal_notices_for, cards["tb"], sh(2026, 12, 1, 9)) == 0
    assert made(app, cards["tb"]) == []
    # tenant A publishes a version without December renewal: no notices any more
    doc = copy.deepcopy(TEMPLATES["retail_88"]["document"])
    doc["policies"]["validity"] = {"kind": "days_from_issue", "days": 365}
    draft = cards["a"].ok("POST", "/schemes", {"document": doc})
    cards["a"].ok("POST", f"/schemes/{draft['id']}/publish", {})
    assert run(app, periodic.renewal_notices_for, cards["ta"], sh(2026, 12, 1, 9)) == 0


def test_other_tenants_are_untouched(app, client, cards, two_tenants):
    b = Api(client, "tenant-b", two_tenants["b_key"])
    publish_template(b, "retail_88")
    m = new_member(b)["id"]
    buy(b, m, "b1", [line(1200)], at=sh(2026, 3, 1, 10))
    assert run(app, periodic.renewal_notices_for, cards["ta"], sh(2026, 12, 1, 9)) == 2
    assert made(app, cards["tb"]) == []
    with app.app_context():
        assert periodic.renewal_notices(as_of=sh(2026, 12, 1, 10)) == 1  # the job: B's turn, A's done
    assert [r["member_id"] for r in made(app, cards["tb"])] == [m]
