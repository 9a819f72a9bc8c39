"""Birthday greetings (生日问候; 002, 003 篇2): on the member's birthday in the tenant's time zone, one
greeting per member per year, due by the day's closing time, never carrying a promotion."""
from datetime import UTC, datetime

import pytest

from core.extensions import db
from core.service import periodic
from core.tenancy.context import NoTenantContext, tenant_context
from tests.conftest import Api, buy, line, new_member, publish_template
from tests.core.jobs_loyalty.common import SH, made, run, sequence_value, sh, utc

GREETING_ZH = "通过会员偏好的联系渠道送上生日祝福。仅为问候：不得附带任何促销、优惠、折扣或广告信息。"
GREETING_EN = ("Wish the member a happy birthday on their preferred channel. This is a greeting only: "
               "it must carry no promotion, offer, discount or advertisement.")


@pytest.fixture
def shop(client, two_tenants):
    a = Api(client, "tenant-a", two_tenants["a_key"])
    b = Api(client, "tenant-b", two_tenants["b_key"])
    publish_template(a, "retail_88")
    publish_template(b, "retail_88")
    ann = new_member(a, birthday="1990-05-17", contact_channel="sms", promotions_consent=False)
    buy(a, ann["id"], "ann-1", [line(1200)])  # a VIP: priority 3
    bob = new_member(a, name="王强", birthday="1985-05-17", contact_channel="call", promotions_consent=True)
    cat = new_member(a, name="李娜", birthday="1990-05-18")
    new_member(a, name="赵六")  # no birthday on file
    b_twin = new_member(b, birthday="1990-05-17")
    return {"a": a, "b": b, "ann": ann["id"], "bob": bob["id"], "cat": cat["id"], "b_twin": b_twin["id"],
            "ta": two_tenants["a"], "tb": two_tenants["b"]}


def test_greetings_on_the_tenant_local_birthday_and_not_the_day_before(app, shop):
    fn, ta = periodic.birthday_greetings_for, shop["ta"]
    assert run(app, fn, ta, sh(2027, 5, 16, 23, 30)) == 0
    # 00:10 in Shanghai is still 16 May in UTC: the tenant's date counts
    as_of = sh(2027, 5, 17, 0, 10)
    assert as_of.astimezone(UTC).day == 16
    assert run(app, fn, ta, as_of) == 2
    rows = {r["member_id"]: r for r in made(app, ta)}
    assert set(rows) == {shop["ann"], shop["bob"]}
    ann, bob = rows[shop["ann"]], rows[shop["bob"]]
    for r in (ann, bob):
        assert r["kind"] == "greeting" and r["subject"] == "生日问候" and r["status"] == "open"
        assert r["due_at"] == utc(sh(2027, 5, 17, 17, 30))  # Monday: by the end of today's working hours
        assert r["received_at"] == utc(as_of) and r["created_by"] == "system"
        assert r["dedupe_key"] == f"birthday:2027:{r['member_id']}"
    assert ann["channel"] == "sms" and bob["channel"] == "phone"  # the member's preferred channel
    assert (ann["tier_key"], ann["priority"]) == ("vip", 3) and (bob["tier_key"], bob["priority"]) == (None, 5)


def test_re_running_the_same_day_creates_nothing_new(app, shop):
    fn, ta = periodic.birthday_greetings_for, shop["ta"]
    assert run(app, fn, ta, sh(2027, 5, 17, 0, 10)) == 2
    assert run(app, fn, ta, sh(2027, 5, 17, 0, 10)) == 0
    assert run(app, fn, ta, sh(2027, 5, 17, 16, 0)) == 0
    assert run(app, fn, ta, sh(2027, 5, 18, 9)) == 1  # the next day: only the 18 May birthday
    assert [r["member_id"] for r in made(app, ta)][-1] == shop["cat"]
    assert len(made(app, ta)) == 3
    assert run(app, fn, ta, sh(2028, 5, 17, 9)) == 2  # once per member per year: next year again
    assert sorted(r["dedupe_key"] for r in made(app, ta) if r["member_id"] == shop["ann"]) == [
        f"birthday:2027:{shop['ann']}", f"birthday:2028:{shop['ann']}"]


def test_other_tenants_are_untouched(app, shop):
    run(app, periodic.birthday_greetings_for, shop["ta"], sh(2027, 5, 17, 9))
    assert made(app, shop["tb"]) == [] and sequence_value(app, shop["tb"]) is None
    assert run(app, periodic.birthday_greetings_for, shop["tb"], sh(2027, 5, 17, 9)) == 1
    (row,) = made(app, shop["tb"])
    assert row["member_id"] == shop["b_twin"] and row["request_no"] == "SR0000001"  # B's own numbering


def test_a_greeting_never_carries_a_promotion(app, shop):
    run(app, periodic.birthday_greetings_for, shop["ta"], sh(2027, 5, 17, 9))
    details = {r["member_id"]: r["detail"] for r in made(app, shop["ta"])}
    # whether or not the member accepts promotions (greetings are not promotions), the same text:
    assert details[shop["ann"]] == details[shop["bob"]] == GREETING_ZH
    text = details[shop["ann"]]
    assert "仅为问候" in text and "不得附带任何促销" in text
    # nothing of the birthday offer (6折 on the day, 001 第十四条), points or a consent note
    for offer in ("6折", "六折", "60%", "积分", "会员已同意接收促销信息"):
        assert offer not in text


def test_greeting_text_is_in_the_tenants_language(app, client, world):
    tid = world.tenant("tenant-en", default_locale="en")
    _, key = world.api_key(tid)
    api = Api(client, "tenant-en", key)
    m = new_member(api, name="Ann Lee", birthday="1990-05-17")
    assert run(app, periodic.birthday_greetings_for, tid, sh(2027, 5, 17, 9)) == 1
    (row,) = made(app, tid)
    assert row["member_id"] == m["id"] and row["subject"] == "Birthday greeting"
    assert row["detail"] == GREETING_EN and "greeting only" in row["detail"]


def test_29_february_is_greeted_on_28_february_in_common_years(app, client, two_tenants):
    api = Api(client, "tenant-a", two_tenants["a_key"])
    leap = new_member(api, name="闰日", birthday="2000-02-29")["id"]
    feb28 = new_member(api, name="二月末", birthday="1999-02-28")["id"]
    mar1 = new_member(api, name="三月初", birthday="1999-03-01")["id"]
    fn, ta = periodic.birthday_greetings_for, two_tenants["a"]

    def greeted():
        return sorted((r["member_id"], r["dedupe_key"].split(":")[1]) for r in made(app, ta))

    assert run(app, fn, ta, sh(2027, 2, 27, 9)) == 0
    assert run(app, fn, ta, sh(2027, 2, 28, 9)) == 2  # 2027 is a common year
    assert run(app, fn, ta, sh(2027, 2, 28, 18)) == 0
    assert run(app, fn, ta, sh(2027, 3, 1, 9)) == 1   # 1 March is not 29 February's day
    assert greeted() == sorted([(leap, "2027"), (feb28, "2027"), (mar1, "2027")])
    assert run(app, fn, ta, sh(2028, 2, 28, 9)) == 1  # a leap year: 28 February is only 28 February's
    assert run(app, fn, ta, sh(2028, 2, 29, 9)) == 1
    assert greeted() == sorted([(leap, "2027"), (feb28, "2027"), (mar1, "2027"), (feb28, "2028"), (leap, "2028")])


def test_due_time_follows_working_hours(app, client, two_tenants):
    api = Api(client, "tenant-a", two_tenants["a_key"])
    sat = new_member(api, name="周六", birthday="1990-05-15")["id"]
    fn, ta = periodic.birthday_greetings_for, two_tenants["a"]
    assert run(app, fn, ta, sh(2027, 5, 15, 8)) == 1  # a Saturday: by Monday's closing time
    assert made(app, ta)[0]["due_at"] == utc(sh(2027, 5, 17, 17, 30))
    late = new_member(api, name="晚到", birthday="1990-05-17")["id"]
    assert run(app, fn, ta, sh(2027, 5, 17, 18, 0)) == 1  # made after closing: not born overdue
    row = made(app, ta)[-1]
    assert row["member_id"] == late and row["due_at"] == utc(sh(2027, 5, 18, 17, 30))
    api.ok("PUT", "/service-hours", {"weekdays": [1, 2, 3, 4, 5, 6], "opens": "10:00", "closes": "21:00"})
    sat2 = new_member(api, name="周六二", birthday="1991-05-20")["id"]
    assert run(app, fn, ta, sh(2028, 5, 20, 8)) == 1  # 20 May 2028 is a Saturday, now a working day
    row = made(app, ta)[-1]
    assert row["member_id"] == sat2 and row["due_at"] == utc(sh(2028, 5, 20, 21, 0))
    assert sat in {r["member_id"] for r in made(app, ta)}


def test_numbers_continue_the_tenants_sequence(app, shop):
    a, ta = shop["a"], shop["ta"]
    first = a.ok("POST", "/service-requests", {"kind": "consultation", "subject": "咨询"})
    assert first["request_no"] == "SR0000001"
    assert run(app, periodic.birthday_greetings_for, ta, sh(2027, 5, 17, 9)) == 2
    generated = [r for r in made(app, ta) if r["kind"] == "greeting"]
    assert [r["request_no"] for r in generated] == ["SR0000002", "SR0000003"]  # by member, in order
    assert [r["member_id"] for r in generated] == sorted([shop["ann"], shop["bob"]])
    assert sequence_value(app, ta) == 3
    after = a.ok("POST", "/service-requests", {"kind": "consultation", "subject": "咨询"})
    assert after["request_no"] == "SR0000004"
    run(app, periodic.birthday_greetings_for, ta, sh(2027, 5, 17, 10))  # nothing new: no number used
    assert sequence_value(app, ta) == 4
    # the request has its history and is found like any other
    one = a.ok("GET", f"/service-requests/{generated[0]['id']}")
    assert [(e["action"], e["to_status"], e["actor"]) for e in one["events"]] == [("created", "open", "system")]
    listed = a.ok("GET", "/service-requests?kind=greeting")
    assert sorted(r["request_no"] for r in listed) == ["SR0000002", "SR0000003"]
    a.ok("POST", f"/service-requests/{generated[0]['id']}/status", {"to": "in_progress"})


def test_the_job_runs_every_tenant_on_its_own_date(app, client, world, two_tenants):
    london = world.tenant("tenant-london", timezone="Europe/London")
    _, key = world.api_key(london)
    new_member(Api(client, "tenant-london", key), birthday="1990-05-17")
    new_member(Api(client, "tenant-a", two_tenants["a_key"]), birthday="1990-05-17")
    with app.app_context():
        # 20:00 UTC on 16 May: already the 17th in Shanghai, still the 16th in London
        assert periodic.birthday_greetings(as_of=datetime(2027, 5, 16, 20, tzinfo=UTC)) == 1
        assert periodic.birthday_greetings(as_of="2027-05-17T09:00:00+00:00") == 1  # London's turn
        assert periodic.birthday_greetings(as_of="2027-05-17T10:00:00+00:00") == 0
    assert len(made(app, two_tenants["a"])) == 1 and len(made(app, london)) == 1
    assert made(app, london)[0]["due_at"] == datetime(2027, 5, 17, 16, 30, tzinfo=UTC)  # 17:30 BST


def test_runs_only_as_its_own_tenant(app, shop):
    with app.app_context():
        with pytest.raises(NoTenantContext):
            periodic.birthday_greetings_for(shop["ta"], SH, sh(2027, 5, 17, 9))
        with tenant_context(shop["tb"]), pytest.raises(NoTenantContext):
            periodic.birthday_greetings_for(shop["ta"], SH, sh(2027, 5, 17, 9))
        db.session.rollback()


def test_every_loyalty_job_is_periodic():
    from core.jobs.cron import PERIODIC
    from core.jobs.registry import resolve
    names = {name for name, _ in PERIODIC}
    for fn in (periodic.birthday_greetings, periodic.purchase_follow_ups, periodic.renewal_notices,
               periodic.dormant_follow_ups):
        assert fn.job_name in names and resolve(fn.job_name) == (fn, "periodic")
