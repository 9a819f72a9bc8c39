"""Each report's figures on a small data set built by hand; the expected numbers are worked out in
the comments. Month and day boundaries are Shanghai's (UTC+8): 23:30 UTC on 31 January is already
1 February there."""
from datetime import date

import pytest

from core.extensions import db
from core.reports import services as reports
from core.tenancy.context import tenant_context
from tests.core.reports.common import (SH, card, ledger, member, purchase, request, scheme, sh, tier_change,
                                       utc)


@pytest.fixture
def a(app, two_tenants):
    """Inside tenant A's context; what a test writes is rolled back with the session."""
    with app.app_context(), tenant_context(two_tenants["a"]):
        yield two_tenants
        db.session.rollback()


# ---- 1. tier distribution -------------------------------------------------------------------------

def test_tier_distribution_at_each_month_end(a):
    s = scheme()
    m1, m2, m3, m4 = (member(n).id for n in ("一", "二", "三", "四"))
    tier_change(m1, s.id, "knight", sh(2026, 1, 10))
    tier_change(m1, s.id, "elite", sh(2026, 2, 20), from_tier="knight")
    tier_change(m2, s.id, "knight", utc(2026, 1, 31, 16, 30))          # 1 February 00:30 in Shanghai
    tier_change(m2, s.id, None, sh(2026, 3, 5), from_tier="knight")   # moved down to no tier
    tier_change(m3, s.id, "diamond", sh(2026, 1, 5), decided_at=sh(2026, 2, 10))  # approved in February
    tier_change(m3, s.id, "elite", sh(2026, 1, 6), status="rejected")
    tier_change(m3, s.id, "elite", sh(2026, 3, 6), status="proposed")
    tier_change(m4, s.id, "knight", sh(2025, 12, 1))

    rows = reports.tier_distribution(SH, date(2026, 3, 1), 3, as_of=sh(2026, 4, 15))

    assert [r["month"] for r in rows] == ["2026-01", "2026-02", "2026-03"]
    assert [r["at"] for r in rows] == [sh(2026, 2, 1), sh(2026, 3, 1), sh(2026, 4, 1)]
    # January's end: m1 and m4 knights; m2's change came at 00:30 on 1 February, m3's on its approval
    assert rows[0]["counts"] == {"knight": 2} and rows[0]["total"] == 2
    assert rows[1]["counts"] == {"knight": 2, "elite": 1, "diamond": 1} and rows[1]["total"] == 4
    # March: m2 lost the tier; the March proposal for m3 is not decided
    assert rows[2]["counts"] == {"knight": 1, "elite": 1, "diamond": 1} and rows[2]["total"] == 3


def test_the_current_month_is_counted_as_of_now(a):
    s = scheme()
    m = member("五").id
    tier_change(m, s.id, "knight", sh(2026, 4, 1, 8))
    tier_change(m, s.id, "elite", sh(2026, 4, 20), from_tier="knight")
    (row,) = reports.tier_distribution(SH, date(2026, 4, 1), 1, as_of=sh(2026, 4, 10))
    assert row["at"] == sh(2026, 4, 10) and row["counts"] == {"knight": 1}
    # months still to come are not reported as if they had ended
    rows = reports.tier_distribution(SH, date(2026, 6, 1), 3, as_of=sh(2026, 4, 25))
    assert [(r["month"], r["counts"]) for r in rows] == [("2026-04", {"elite": 1})]


# ---- 2. VIP share and the 80/20 curve -------------------------------------------------------------------

def test_vip_share_per_month_in_the_tenants_time_zone(a):
    m1, m2, m3 = member("贵宾").id, member("普通").id, member("入门").id
    purchase(m1, sh(2026, 1, 10), 1000, tier_key="elite")
    purchase(m2, sh(2026, 1, 11), 300)                          # a member without a tier
    purchase(None, sh(2026, 1, 12), 200)                        # not a member
    purchase(m1, sh(2026, 1, 20), -100, tier_key="elite", kind="return")
    purchase(m1, utc(2026, 1, 31, 23, 30), 500, tier_key="elite")   # 07:30 on 1 February in Shanghai
    purchase(m3, sh(2026, 2, 3), 50, tier_key="v4")             # the entry tier: not a VIP's
    purchase(m1, sh(2025, 12, 31, 23, 59), 999, tier_key="elite")   # before the span

    rows = reports.vip_sales_share(SH, date(2026, 3, 1), 3, entry_tier="v4")

    # January: VIP 1,000 − 100 = 900; all 1,000 + 300 + 200 − 100 = 1,400; others 500
    assert rows[0] == {"month": "2026-01", "vip_fen": 90000, "other_fen": 50000, "total_fen": 140000,
                       "vip_share": round(90000 / 140000, 6)}
    # February: the 23:30 UTC purchase (500, VIP) and the entry-tier member's 50
    assert rows[1] == {"month": "2026-02", "vip_fen": 50000, "other_fen": 5000, "total_fen": 55000,
                       "vip_share": round(50000 / 55000, 6)}
    assert rows[2] == {"month": "2026-03", "vip_fen": 0, "other_fen": 0, "total_fen": 0, "vip_share": None}
    # without an entry tier, any tier is a VIP's
    assert reports.vip_sales_share(SH, date(2026, 2, 1), 1)[0]["vip_fen"] == 55000


SPENDS = [5000, 2000, 1000, 800, 500, 300, 200, 100, 50, 50]  # yuan; 10,000 in all


def _ten_spenders():
    ids = []
    for i, yuan in enumerate(SPENDS):
        m = member(f"客{i}", no=f"P{i:03d}").id
        purchase(m, sh(2026, 6, 1 + i), yuan)
        ids.append(m)
    nothing = member("退货").id                                   # bought and returned: net zero
    purchase(nothing, sh(2026, 6, 2), 100)
    purchase(nothing, sh(2026, 6, 3), -100, kind="return")
    purchase(None, sh(2026, 6, 4), 7000)                          # a walk-in customer: no member
    purchase(ids[0], sh(2025, 6, 30), 99999)                      # before the 12 months
    return ids


def test_pareto_curve_and_the_80_percent_figure(a):
    _ten_spenders()
    result = reports.pareto(SH, date(2026, 12, 1), 12)
    assert result["members"] == 10 and result["total_fen"] == 1_000_000
    # 5,000 + 2,000 + 1,000 = 8,000 of 10,000: the top 3 members, 30 %, make 80 %
    assert result["members_for_80"] == 3 and result["top_share_for_80"] == 0.3
    cumulative = [sum(SPENDS[:k]) / 10000 for k in range(11)]
    assert [p["rank"] for p in result["points"]] == list(range(11))
    assert [p["member_share"] for p in result["points"]] == [k / 10 for k in range(11)]
    assert [p["sales_share"] for p in result["points"]] == [round(c, 6) for c in cumulative]


def test_pareto_curve_keeps_only_the_corners(a):
    _ten_spenders()
    # 4 steps over 10 members: the last member of each quarter is rank 3, 5, 8 and 10
    result = reports.pareto(SH, date(2026, 12, 1), 12, points=4)
    assert [p["rank"] for p in result["points"]] == [0, 3, 5, 8, 10]
    assert result["points"][-1]["sales_share"] == 1.0


def test_pareto_of_nothing(a):
    result = reports.pareto(SH, date(2026, 12, 1), 12)
    assert result["members"] == 0 and result["points"] == [] and result["members_for_80"] is None


# ---- 3. monthly top members -----------------------------------------------------------------------

def test_top_members_of_a_month(a):
    m1, m2, m3, m4 = member("甲", no="T1").id, member("乙", no="T2").id, member("丙", no="T3").id, member("丁", no="T4").id
    purchase(m1, utc(2026, 1, 31, 23, 30), 500, tier_key="elite")    # February in Shanghai
    purchase(m2, sh(2026, 2, 5), 200)
    purchase(m2, sh(2026, 2, 6), -50, kind="return")
    purchase(m3, sh(2026, 2, 10), 600)
    purchase(m3, sh(2026, 2, 11), 400)
    purchase(m4, utc(2026, 2, 28, 16, 30), 5000)                      # 1 March 00:30 in Shanghai
    purchase(m4, sh(2026, 1, 31, 23, 59), 5000)                       # still January

    rows = reports.top_members(SH, date(2026, 2, 1), 2)
    assert rows == [
        {"rank": 1, "member_id": m3, "member_no": "T3", "name": "丙", "tier_key": None, "spend_fen": 100000,
         "purchases": 2},
        {"rank": 2, "member_id": m1, "member_no": "T1", "name": "甲", "tier_key": None, "spend_fen": 50000,
         "purchases": 1}]
    assert [r["spend_fen"] for r in reports.top_members(SH, date(2026, 2, 1), 10)] == [100000, 50000, 15000]


# ---- 4. top-500 tracking (a top 10 here) ----------------------------------------------------------------

def test_top_tracking_who_stayed_entered_and_left(a):
    people = [member(f"A{i}", no=f"A{i:02d}").id for i in range(11)]
    for i in range(10):                                   # February: A0 … A9 rank 1 … 10
        purchase(people[i], sh(2026, 2, 10), 100 * (10 - i))
    purchase(people[10], sh(2026, 2, 10), 5)              # A10: rank 11, outside
    march = {1: 2000, 0: 1800, 2: 1700, 10: 1000, 3: 800, 4: 700, 5: 600, 6: 500, 7: 400, 8: 300}  # A9: nothing
    for i, yuan in march.items():
        purchase(people[i], sh(2026, 3, 10), yuan)

    result = reports.top_tracking(SH, date(2026, 3, 1), 1, 10)
    assert result["period"] == (sh(2026, 3, 1), sh(2026, 4, 1))
    assert result["previous"] == (sh(2026, 2, 1), sh(2026, 3, 1))
    by_no = {r["member_no"]: r for r in result["rows"]}
    assert len(result["rows"]) == 11
    assert [r["member_no"] for r in result["rows"][:4]] == ["A01", "A00", "A02", "A10"]
    assert by_no["A01"] == {"member_id": people[1], "member_no": "A01", "name": "A1", "tier_key": None, "rank": 1,
                            "previous_rank": 2, "movement": 1, "status": "stayed", "spend_fen": 200000,
                            "previous_spend_fen": 90000}
    assert (by_no["A00"]["rank"], by_no["A00"]["previous_rank"], by_no["A00"]["movement"]) == (2, 1, -1)
    assert (by_no["A02"]["rank"], by_no["A02"]["movement"]) == (3, 0)
    assert (by_no["A10"]["status"], by_no["A10"]["rank"], by_no["A10"]["previous_rank"]) == ("entered", 4, None)
    left = by_no["A09"]
    assert (left["status"], left["rank"], left["previous_rank"], left["movement"]) == ("left", None, 10, None)
    assert (left["spend_fen"], left["previous_spend_fen"]) == (0, 10000)
    assert result["rows"][-1]["member_no"] == "A09"
    assert reports.tracking_summary(result["rows"]) == {"up": 1, "down": 7, "same": 1, "entered": 1, "left": 1}


# ---- 5. dormant cards ------------------------------------------------------------------------------

def test_dormant_summary_and_list(a):
    as_of = sh(2026, 7, 15, 12)                       # 6 months: nothing since 15 January, 00:00
    d1 = member("从未", tier_key="vip")
    d2 = member("前一刻", tier_key="vip", last_purchase_at=utc(2026, 1, 14, 15, 59))  # 14 Jan 23:59 in Shanghai
    d3 = member("零点", last_purchase_at=utc(2026, 1, 14, 16, 0))                      # 15 Jan 00:00: active
    d4 = member("一年多", last_purchase_at=sh(2025, 1, 1))
    d5 = member("两年多", last_purchase_at=sh(2023, 1, 1))
    d6 = member("无卡")
    d7 = member("作废")
    d8 = member("过期")
    for m in (d1, d2, d3, d4, d5):
        card(m.id)
    card(d7.id, status="void")
    card(d8.id, valid_until=sh(2026, 7, 1))
    assert d6.id

    summary = {r["tier_key"]: r for r in reports.dormant_summary(SH, as_of, 6)}
    assert summary == {
        "vip": {"tier_key": "vip", "never": 1, "under_1y": 1, "1_2y": 0, "over_2y": 0, "total": 2},
        None: {"tier_key": None, "never": 0, "under_1y": 0, "1_2y": 1, "over_2y": 1, "total": 2}}
    listed = list(reports.dormant_members(SH, as_of, 6, limit=None))
    assert [r["name"] for r in listed] == ["从未", "两年多", "一年多", "前一刻"]   # longest gone first
    assert [r["name"] for r in reports.dormant_members(SH, as_of, 6, offset=1, limit=2)] == ["两年多", "一年多"]
    # 12 months: only those gone a year or more (or never)
    assert sum(r["total"] for r in reports.dormant_summary(SH, as_of, 12)) == 3


# ---- 6. points liability -----------------------------------------------------------------------------

def test_points_liability_by_tier_over_time_and_next_expiry(a):
    as_of = sh(2026, 11, 15, 12)
    new_year = sh(2027, 1, 1)
    l1 = member("积分一", tier_key="vip", points_balance=250).id
    ledger(l1, "earn", 100, sh(2025, 6, 1), expires_at=sh(2026, 1, 1))   # due already, not yet swept
    ledger(l1, "earn", 200, sh(2026, 3, 1), expires_at=new_year)
    ledger(l1, "redeem", -50, sh(2026, 4, 1))
    l2 = member("积分二", points_balance=120).id
    ledger(l2, "adjust", 80, sh(2026, 5, 1))                             # an adjustment never expires
    ledger(l2, "earn", 40, sh(2026, 10, 1), expires_at=new_year)
    l3 = member("积分三", tier_key="vip", points_balance=0).id
    ledger(l3, "earn", 10, sh(2026, 2, 1), expires_at=new_year)
    ledger(l3, "redeem", -10, sh(2026, 10, 15))

    result = reports.points_liability(SH, as_of, "calendar_year", 3)

    assert result["total_points"] == 370 and result["members"] == 2
    by_tier = {t["tier_key"]: t for t in result["by_tier"]}
    # l1: 300 earned by 1 January, 50 spent: 250 expire (all it holds); l2: its 40 earned
    assert by_tier == {"vip": {"tier_key": "vip", "members": 1, "points": 250, "expiring": 250},
                       None: {"tier_key": None, "members": 1, "points": 120, "expiring": 40}}
    assert result["next_expiry"] == new_year and result["expiring_next"] == 290
    # balances at the ends of September and October (l3 still held 10 at the end of September), and now
    assert [(h["month"], h["points"]) for h in result["history"]] == [("2026-09", 340), ("2026-10", 370),
                                                                     ("2026-11", 370)]
    assert result["history"][-1]["at"] == as_of
    # by month of expiry: l1's overdue 50 now, then 200 + 40 on 1 January
    schedule = {s["month"]: s["points"] for s in result["schedule"]}
    assert len(schedule) == 13 and list(schedule)[0] == "2026-11" and list(schedule)[-1] == "2027-11"
    assert (schedule["2026-11"], schedule["2026-12"], schedule["2027-01"]) == (50, 0, 240)
    assert sum(schedule.values()) == 290


def test_in_january_the_next_expiry_is_a_year_ahead(a):
    m = member("一月", points_balance=100).id
    ledger(m, "earn", 60, sh(2026, 12, 20), expires_at=sh(2027, 1, 1))    # expired at midnight, not yet swept
    ledger(m, "earn", 40, sh(2027, 1, 1, 9), expires_at=sh(2028, 1, 1))
    result = reports.points_liability(SH, sh(2027, 1, 1, 10), "calendar_year", 1)
    assert result["next_expiry"] == sh(2028, 1, 1) and result["expiring_next"] == 100
    schedule = {s["month"]: s["points"] for s in result["schedule"]}
    assert (schedule["2027-01"], schedule["2028-01"], sum(schedule.values())) == (60, 40, 100)


def test_points_liability_under_other_policies(a):
    as_of = sh(2026, 11, 15, 12)
    m = member("滚动", points_balance=70).id
    ledger(m, "earn", 30, sh(2026, 1, 20), expires_at=sh(2026, 11, 20))
    ledger(m, "earn", 40, sh(2026, 2, 20), expires_at=sh(2027, 2, 20))
    rolling = reports.points_liability(SH, as_of, "rolling_months", 1)
    assert rolling["next_expiry"] == sh(2026, 12, 1) and rolling["expiring_next"] == 30
    assert {s["month"]: s["points"] for s in rolling["schedule"] if s["points"]} == {"2026-11": 30, "2027-02": 40}
    never = reports.points_liability(SH, as_of, "never", 1)
    assert never["next_expiry"] is None and never["schedule"] == [] and never["total_points"] == 70


# ---- 7. birthdays --------------------------------------------------------------------------------

def test_birthdays_in_the_coming_week_in_the_tenants_time_zone(a):
    as_of = utc(2027, 2, 24, 16, 30)          # 25 February 00:30 in Shanghai (2027: no 29 February)
    member("闰日", no="B1", birthday=date(1992, 2, 29))
    member("三月三", no="B2", birthday=date(1985, 3, 3))
    member("今天", no="B3", birthday=date(2000, 2, 25))
    member("昨天", no="B4", birthday=date(2000, 2, 24))    # still "today" in UTC, yesterday in Shanghai
    member("下周", no="B5", birthday=date(1980, 3, 4))
    member("无生日", no="B6")

    rows = reports.birthdays(SH, as_of, 7)
    assert [(r["member_no"], r["date"], r["age"]) for r in rows] == [
        ("B3", date(2027, 2, 25), 27), ("B1", date(2027, 2, 28), 35), ("B2", date(2027, 3, 3), 42)]
    counts = reports.birthday_counts(rows, SH, as_of, 7)
    assert [c["members"] for c in counts] == [1, 0, 0, 1, 0, 0, 1]
    assert counts[0]["date"] == date(2027, 2, 25) and counts[-1]["date"] == date(2027, 3, 3)


def test_a_29_february_birthday_in_a_leap_year(a):
    member("闰日", no="B1", birthday=date(1992, 2, 29))
    rows = reports.birthdays(SH, sh(2028, 2, 27, 9), 3)     # 27, 28, 29 February 2028
    assert [(r["date"], r["age"]) for r in rows] == [(date(2028, 2, 29), 36)]


# ---- 8. follow-ups due ---------------------------------------------------------------------------

def test_follow_ups_due_by_day_and_overdue(a):
    as_of = sh(2026, 11, 16, 10)                          # Monday 10:00; 3 days: up to Thursday 00:00
    staff = a["a_staff"]                                  # staff@a.test, named "staff"
    f1 = request("follow_up", "open", sh(2026, 11, 15, 17), assignee_id=staff).id       # overdue
    request("follow_up", "in_progress", sh(2026, 11, 15, 17))                          # late, but taken up
    request("follow_up", "open", sh(2026, 11, 16, 17, 30))                             # today
    request("follow_up", "open", sh(2026, 11, 18, 23, 59))                             # Wednesday
    request("follow_up", "open", sh(2026, 11, 19, 0, 0))                               # outside the 3 days
    request("complaint", "open", sh(2026, 11, 15, 9))                                  # not a follow-up
    request("follow_up", "resolved", sh(2026, 11, 16, 9))                              # done

    summary = reports.follow_ups_summary(SH, as_of, 3)
    assert summary["total"] == 4 and summary["overdue"] == 1
    assert [(d["day"], d["open"], d["in_progress"], d["total"]) for d in summary["days"]] == [
        (None, 1, 1, 2), (date(2026, 11, 16), 1, 0, 1), (date(2026, 11, 17), 0, 0, 0), (date(2026, 11, 18), 1, 0, 1)]
    rows = list(reports.follow_ups_due(SH, as_of, 3))
    assert [r["status"] for r in rows] == ["open", "in_progress", "open", "open"]
    assert rows[0]["request_id"] == f1 and rows[0]["overdue"] and rows[0]["assignee"] == "staff"
    assert [r["overdue"] for r in rows[1:]] == [False, False, False] and rows[2]["assignee"] is None


# ---- bad parameters ------------------------------------------------------------------------------

@pytest.mark.parametrize("call, field", [
    (lambda: reports.tier_distribution(SH, date(1969, 12, 1)), "month"),
    (lambda: reports.tier_distribution(SH, date(2026, 1, 1), 25), "months"),
    (lambda: reports.top_members(SH, date(2026, 1, 1), 0), "limit"),
    (lambda: reports.top_tracking(SH, date(2026, 1, 1), 6, 5), "size"),
    (lambda: reports.dormant_summary(SH, utc(2026, 1, 1), 37), "months"),
    (lambda: reports.birthdays(SH, utc(2026, 1, 1), 0), "days"),
    (lambda: reports.follow_ups_summary(SH, utc(2026, 1, 1), True), "days"),
])
def test_bad_parameters_name_the_field(a, call, field):
    with pytest.raises(reports.ReportError) as e:
        call()
    assert e.value.field == field and e.value.status == 422
