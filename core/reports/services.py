"""Reports (报表): one plain function per report, explicit arguments, plain rows back.

The reports DOMAIN.md §1 asks for: tier mix over time, the share of sales made by VIPs and the
80/20 curve (二八定律, 003 篇2/篇6), the monthly top-10 members by spend (001 星级酒店 §四.10:
"VIP客户消费前十名"), top-500 tracking (003 篇6: "VIP top500的跟踪报告"), dormant cards (休眠卡),
the points liability, the coming week's birthdays and the follow-up calls due.

Every figure is aggregated in the database (GROUP BY and window functions), never by looping over
members in Python, so a report over 100,000 members and 2,000,000 purchases stays a few queries.
Calendar boundaries (month ends, "today", the coming 7 days) are the tenant's: they are computed
here in its zone (``tz``) and handed to SQL as UTC instants, so a purchase at 23:30 UTC on
31 January is a February purchase in Asia/Shanghai, on every database.

Every query is an ORM statement over the models, so the tenant scope is the ORM's (the global
``with_loader_criteria``): no query here names a tenant by hand.
"""
from __future__ import annotations

from calendar import isleap
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, extract, func, or_, select

from core.errors import RuleError
from core.extensions import db
from core.identity.models import Membership, User
from core.members.models import Member
from core.members.services import dormant_cutoff, dormant_query, mask_phone
from core.points.models import LedgerEntry
from core.purchases.models import Purchase
from core.service.models import ACTIVE_STATUSES, ServiceRequest
from core.tiers.models import TierChange

FIRST_MONTH = date(1970, 1, 1)   # months outside 1970–2100 are refused: nothing to report there
LAST_MONTH = date(2100, 12, 1)
DORMANT_BUCKETS = ("never", "under_1y", "1_2y", "over_2y")


class ReportError(RuleError):
    """A report's parameters were refused."""


# ---- the tenant's calendar ------------------------------------------------------------------------

def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def current_month(as_of: datetime, tz: ZoneInfo) -> date:
    """The tenant-local month ``as_of`` falls in (its first day)."""
    return first_of_month(as_of.astimezone(tz).date())


def check_month(month: date, field: str = "month") -> date:
    if not isinstance(month, date) or not FIRST_MONTH <= first_of_month(month) <= LAST_MONTH:
        raise ReportError(field, _l("Choose a month between 1970-01 and 2100-12."))
    return first_of_month(month)


def check_range(value: int, low: int, high: int, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ReportError(field, _l("A whole number from %(low)d to %(high)d.", low=low, high=high))
    return value


@dataclass(frozen=True)
class Month:
    """One calendar month of the tenant: its first day and its bounds as instants [start, end)."""

    first: date
    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        return self.first.strftime("%Y-%m")


def months_ending(last: date, count: int, tz: ZoneInfo) -> list[Month]:
    """``count`` consecutive months, oldest first, the last being ``last``."""
    out = []
    for back in range(count - 1, -1, -1):
        first = first_of_month(last) - relativedelta(months=back)
        out.append(Month(first, local_midnight(first, tz), local_midnight(first + relativedelta(months=1), tz)))
    return out


def month_index(column, months: list[Month]):
    """Which of ``months`` (0, 1 …) an instant falls in; the caller keeps the column inside them."""
    return case(*[(column < m.end, i) for i, m in enumerate(months)], else_=None)


def _within(column, months: list[Month]):
    return and_(column >= months[0].start, column < months[-1].end)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 6) if whole else None


# ---- 1. tier distribution at each month end (会员等级分布) -------------------------------------------

def tier_distribution(tz: ZoneInfo, last_month: date, months: int = 12, as_of: datetime | None = None) -> list[dict]:
    """How many members held each tier at the end of each month (the current month: at ``as_of``;
    months after it are left out).

    Reconstructed from the tier history (``TierChange``, applied changes only; an approved proposal
    counts from its decision): each change holds from its time until the member's next change, so
    one pass with ``lead()`` over the history gives every member's tier at every month end.
    Returns one row per month: ``{"month", "at", "counts": {tier_key: n}, "total"}``."""
    check_month(last_month)
    check_range(months, 1, 24, "months")
    span = months_ending(last_month, months, tz)
    if as_of is not None:  # months yet to come have no month end to count at
        span = [m for m in span if m.start <= as_of] or span[:1]
    points = [min(m.end, as_of) if as_of is not None else m.end for m in span]
    at = func.coalesce(TierChange.decided_at, TierChange.created_at)
    history = (select(TierChange.member_id, TierChange.to_tier, at.label("since"),
                      func.lead(at).over(partition_by=TierChange.member_id,
                                         order_by=(at, TierChange.id)).label("until"))
               .where(TierChange.status == "applied", at < max(points))
               .subquery("history"))
    held = [func.sum(case((and_(history.c.since < p, or_(history.c.until.is_(None), history.c.until >= p)), 1),
                          else_=0)).label(f"n{k}") for k, p in enumerate(points)]
    rows = db.session.execute(select(history.c.to_tier, *held).where(history.c.to_tier.is_not(None))
                              .group_by(history.c.to_tier)).all()
    out = []
    for k, (month, point) in enumerate(zip(span, points, strict=True)):
        counts = {r.to_tier: int(r[k + 1] or 0) for r in rows if r[k + 1]}
        out.append({"month": month.label, "at": point, "counts": counts, "total": sum(counts.values())})
    return out


# ---- 2. share of sales by VIPs, and the 80/20 curve (二八定律) ---------------------------------------

def vip_sales_share(tz: ZoneInfo, last_month: date, months: int = 12, entry_tier: str | None = None) -> list[dict]:
    """Paid sales (returns netted) per month, split into VIPs' and everyone else's. A purchase is a
    VIP's when the buyer held a tier when paying (the tier is kept on the purchase); the scheme's
    entry tier (``entry_tier``: the tier every member holds without earning one) does not make a
    VIP, and non-members' purchases are the others'. Returns ``{"month", "vip_fen", "other_fen", "total_fen",
    "vip_share"}`` for each month, oldest first."""
    check_month(last_month)
    check_range(months, 1, 24, "months")
    span = months_ending(last_month, months, tz)
    is_vip = Purchase.tier_key.is_not(None)
    if entry_tier is not None:
        is_vip = and_(is_vip, Purchase.tier_key != entry_tier)
    inner = (select(month_index(Purchase.purchased_at, span).label("m"),
                    case((is_vip, Purchase.paid_fen), else_=0).label("vip"), Purchase.paid_fen.label("paid"))
             .where(_within(Purchase.purchased_at, span)).subquery("p"))
    sums = {r.m: r for r in db.session.execute(
        select(inner.c.m, func.sum(inner.c.vip).label("vip"), func.sum(inner.c.paid).label("paid"))
        .group_by(inner.c.m)).all()}
    out = []
    for i, month in enumerate(span):
        vip, total = (int(sums[i].vip or 0), int(sums[i].paid or 0)) if i in sums else (0, 0)
        out.append({"month": month.label, "vip_fen": vip, "other_fen": total - vip, "total_fen": total,
                    "vip_share": _share(vip, total)})
    return out


def pareto(tz: ZoneInfo, last_month: date, months: int = 12, points: int = 100) -> dict:
    """The 80/20 curve over the months ending with ``last_month``: members who bought (net paid
    above zero), biggest spenders first; for each step, the share of those members against their
    cumulative share of the members' sales. ``members_for_80``: the fewest members whose spend
    reaches 80 % of it, and ``top_share_for_80`` the share of members that is ("the top X % of
    members make 80 % of sales"). At most ``points`` + 1 points are returned (the curve's
    corners), read in SQL from the ranked members: never a row per member."""
    check_month(last_month)
    check_range(months, 1, 24, "months")
    span = months_ending(last_month, months, tz)
    spend = func.sum(Purchase.paid_fen)
    per_member = (select(Purchase.member_id, spend.label("spend"))
                  .where(Purchase.member_id.is_not(None), _within(Purchase.purchased_at, span))
                  .group_by(Purchase.member_id).having(spend > 0).subquery("per_member"))
    order = (per_member.c.spend.desc(), per_member.c.member_id)
    cum = func.sum(per_member.c.spend).over(order_by=order)
    total = func.sum(per_member.c.spend).over()
    ranked = select(func.row_number().over(order_by=order).label("rn"), cum.label("cum"),
                    func.count().over().label("n"), total.label("total")).subquery("ranked")
    # the first rank whose running total reaches 80 %, beside every row (one pass, no second query)
    reach = func.min(case((ranked.c.cum * 5 >= ranked.c.total * 4, ranked.c.rn), else_=None)).over()
    # the last member of each 1/points step of the ranking: rn*points/n moves on to a new integer
    step = ((ranked.c.rn * points) // ranked.c.n) > (((ranked.c.rn - 1) * points) // ranked.c.n)
    marked = select(ranked, reach.label("k"), step.label("corner")).subquery("marked")
    corners = db.session.execute(select(marked.c.rn, marked.c.cum, marked.c.n, marked.c.total, marked.c.k)
                                 .where(marked.c.corner).order_by(marked.c.rn)).all()
    if not corners:
        return {"members": 0, "total_fen": 0, "points": [], "members_for_80": None, "top_share_for_80": None,
                "start": span[0].start, "end": span[-1].end}
    n, total, k = int(corners[0].n), int(corners[0].total), int(corners[0].k)
    curve = [{"rank": 0, "member_share": 0.0, "sales_share": 0.0}]
    curve += [{"rank": int(r.rn), "member_share": round(int(r.rn) / n, 6),
               "sales_share": round(int(r.cum) / total, 6)} for r in corners]
    return {"members": n, "total_fen": total, "points": curve, "members_for_80": int(k),
            "top_share_for_80": round(int(k) / n, 6), "start": span[0].start, "end": span[-1].end}


# ---- 3. monthly top members by spend (消费前十名, 001 星级酒店 §四.10) ---------------------------------

def _member_spend(start: datetime, end: datetime):
    spend = func.sum(Purchase.paid_fen)
    return (select(Purchase.member_id, spend.label("spend"),
                   func.sum(case((Purchase.kind == "sale", 1), else_=0)).label("purchases"))
            .where(Purchase.member_id.is_not(None), Purchase.purchased_at >= start, Purchase.purchased_at < end)
            .group_by(Purchase.member_id))


def top_members(tz: ZoneInfo, month: date, limit: int = 10) -> list[dict]:
    """The members who paid most in one month (tenant time), returns netted; ties by member number
    order. Each row: rank, member id, number, name, tier now, spend (fen), number of purchases."""
    check_month(month)
    check_range(limit, 1, 100, "limit")
    (m,) = months_ending(month, 1, tz)
    per = _member_spend(m.start, m.end).having(func.sum(Purchase.paid_fen) > 0).subquery("per")
    rows = db.session.execute(
        select(per.c.member_id, per.c.spend, per.c.purchases, Member.member_no, Member.name, Member.tier_key)
        .join(Member, Member.id == per.c.member_id)
        .order_by(per.c.spend.desc(), Member.member_no).limit(limit)).all()
    return [{"rank": i, "member_id": r.member_id, "member_no": r.member_no, "name": r.name, "tier_key": r.tier_key,
             "spend_fen": int(r.spend), "purchases": int(r.purchases)} for i, r in enumerate(rows, 1)]


# ---- 4. top-500 tracking (VIP top500 跟踪, 003 篇6) --------------------------------------------------

def top_tracking(tz: ZoneInfo, last_month: date, months: int = 6, size: int = 500) -> dict:
    """This period's top ``size`` members by paid spend against the previous period's (the
    ``months`` months before it): who stayed (and how their rank moved), who entered, who left.
    Ranks are over members whose net spend in the period is above zero. Returns ``{"period",
    "previous", "rows"}``; a row: rank, previous rank (None: not ranked then), movement (previous −
    now: positive is up), status (``stayed`` | ``entered`` | ``left``), spend now and before."""
    check_month(last_month)
    check_range(months, 1, 12, "months")
    check_range(size, 10, 1000, "size")
    now = months_ending(last_month, months, tz)
    before = months_ending(now[0].first - relativedelta(months=1), months, tz)
    in_now = _within(Purchase.purchased_at, now)
    in_before = _within(Purchase.purchased_at, before)
    per = (select(Purchase.member_id,
                  func.sum(case((in_now, Purchase.paid_fen), else_=0)).label("spend"),
                  func.sum(case((in_before, Purchase.paid_fen), else_=0)).label("spend_before"))
           .where(Purchase.member_id.is_not(None), Purchase.purchased_at >= before[0].start,
                  Purchase.purchased_at < now[-1].end)
           .group_by(Purchase.member_id).subquery("per"))

    def rank(col):
        return func.row_number().over(order_by=(case((col > 0, 0), else_=1), col.desc(), per.c.member_id))

    ranked = select(per.c.member_id, per.c.spend, per.c.spend_before, rank(per.c.spend).label("r_now"),
                    rank(per.c.spend_before).label("r_before")).subquery("ranked")
    in_top = and_(ranked.c.spend > 0, ranked.c.r_now <= size)
    was_top = and_(ranked.c.spend_before > 0, ranked.c.r_before <= size)
    rows = db.session.execute(
        select(ranked, Member.member_no, Member.name, Member.tier_key)
        .join(Member, Member.id == ranked.c.member_id)
        .where(or_(in_top, was_top))
        .order_by(case((in_top, 0), else_=1), ranked.c.r_now, ranked.c.r_before)).all()
    out = []
    for r in rows:
        now_rank = int(r.r_now) if r.spend > 0 and r.r_now <= size else None
        before_rank = int(r.r_before) if r.spend_before > 0 and r.r_before <= size else None
        status = "left" if now_rank is None else ("stayed" if before_rank is not None else "entered")
        out.append({"member_id": r.member_id, "member_no": r.member_no, "name": r.name, "tier_key": r.tier_key,
                    "rank": now_rank, "previous_rank": before_rank,
                    "movement": before_rank - now_rank if now_rank and before_rank else None,
                    "status": status, "spend_fen": int(r.spend), "previous_spend_fen": int(r.spend_before)})
    return {"period": (now[0].start, now[-1].end), "previous": (before[0].start, before[-1].end),
            "period_label": f"{now[0].label} – {now[-1].label}",
            "previous_label": f"{before[0].label} – {before[-1].label}", "size": size, "rows": out}


def tracking_summary(rows: list[dict]) -> dict:
    """Counts of a tracking report's rows: stayed (moved up, down, same place), entered, left."""
    out = {"up": 0, "down": 0, "same": 0, "entered": 0, "left": 0}
    for r in rows:
        if r["status"] == "stayed":
            out["up" if r["movement"] > 0 else "down" if r["movement"] < 0 else "same"] += 1
        else:
            out[r["status"]] += 1
    return out


# ---- 5. dormant cards (休眠卡) ---------------------------------------------------------------------

def _dormant_bucket(as_of: datetime, tz: ZoneInfo):
    one, two = dormant_cutoff(as_of, 12, tz), dormant_cutoff(as_of, 24, tz)
    return case((Member.last_purchase_at.is_(None), "never"), (Member.last_purchase_at >= one, "under_1y"),
                (Member.last_purchase_at >= two, "1_2y"), else_="over_2y")


def dormant_summary(tz: ZoneInfo, as_of: datetime, months: int = 6) -> list[dict]:
    """Dormant members (the list's own rule, :func:`core.members.services.dormant_query`) counted by
    tier and by how long ago they last bought: never, under a year, 1–2 years, over 2 years.
    One row per tier: ``{"tier_key", "never", "under_1y", "1_2y", "over_2y", "total"}``."""
    check_range(months, 1, 36, "months")
    dormant = (dormant_query(as_of, months, tz).order_by(None)
               .with_only_columns(Member.tier_key, _dormant_bucket(as_of, tz).label("bucket")).subquery("dormant"))
    rows = db.session.execute(select(dormant.c.tier_key, dormant.c.bucket, func.count().label("n"))
                              .group_by(dormant.c.tier_key, dormant.c.bucket)).all()
    by_tier: dict = {}
    for r in rows:
        entry = by_tier.setdefault(r.tier_key, {"tier_key": r.tier_key, **{b: 0 for b in DORMANT_BUCKETS}})
        entry[r.bucket] = int(r.n)
    for entry in by_tier.values():
        entry["total"] = sum(entry[b] for b in DORMANT_BUCKETS)
    return list(by_tier.values())


def dormant_members(tz: ZoneInfo, as_of: datetime, months: int = 6, offset: int = 0, limit: int | None = 50):
    """The dormant members themselves, longest gone first (``limit`` None: all of them, as an
    iterator for the CSV)."""
    check_range(months, 1, 36, "months")
    q = (dormant_query(as_of, months, tz)
         .with_only_columns(Member.id, Member.member_no, Member.name, Member.tier_key, Member.last_purchase_at,
                            Member.phone, Member.contact_channel, Member.promotions_consent)
         .offset(offset))
    if limit is not None:
        q = q.limit(limit)
    return ({"member_id": r.id, "member_no": r.member_no, "name": r.name, "tier_key": r.tier_key,
               "last_purchase_at": r.last_purchase_at, "phone_masked": mask_phone(r.phone),
               "contact_channel": r.contact_channel, "promotions_consent": bool(r.promotions_consent)}
            for r in db.session.execute(q).yield_per(1000))


# ---- 6. points liability (积分负债) ----------------------------------------------------------------

def next_expiry(kind: str, as_of: datetime, tz: ZoneInfo) -> datetime | None:
    """The instant the next points go, under the policy: the tenant's next 1 January, 00:00, for a
    calendar year (valid to 31 December, 001 第十八条); for rolling months points go every day, so
    the end of this month (what expires before it); never: None."""
    local = as_of.astimezone(tz).date()
    if kind == "calendar_year":
        return local_midnight(date(local.year + 1, 1, 1), tz)
    if kind == "rolling_months":
        return local_midnight(first_of_month(local) + relativedelta(months=1), tz)
    return None


EXPIRY_MONTHS = 13  # this month and the next 12: the next 1 January is always among them


def points_liability(tz: ZoneInfo, as_of: datetime, expiry_kind: str = "never", months: int = 12) -> dict:
    """What the tenant owes in points: the outstanding balance, total and by tier (now); the
    balance at each of the last ``months`` month ends (from the ledger); and, under the expiry
    policy, how much will expire by the next expiry date and in this and each of the next 12
    months, if no one earns or spends meanwhile.

    Expiry follows :func:`core.points.services.expire_due`: points are spent oldest first, so what
    has expired by an instant is the earnings due by then minus everything spent or expired so far,
    never more than the balance. Earnings due before this month (not yet swept) count in this month.
    Per member and month of expiry, set-based: one narrow GROUP BY over the ledger, then running
    sums over each member's few months (window functions), then per tier."""
    check_range(months, 1, 24, "months")
    by_tier = {r.tier_key: {"tier_key": r.tier_key, "members": int(r.members), "points": int(r.points or 0),
                            "expiring": 0}
               for r in db.session.execute(
                   select(Member.tier_key, func.count().label("members"),
                          func.sum(Member.points_balance).label("points"))
                   .where(Member.points_balance > 0).group_by(Member.tier_key)).all()}
    span = months_ending(current_month(as_of, tz), months, tz)
    points_at = [min(m.end, as_of) for m in span]
    balances = db.session.execute(select(*[
        func.coalesce(func.sum(case((LedgerEntry.created_at < p, LedgerEntry.points), else_=0)), 0)
        for p in points_at]).where(LedgerEntry.created_at < points_at[-1])).one()
    history = [{"month": m.label, "at": p, "points": int(b)} for m, p, b in zip(span, points_at, balances, strict=True)]

    next_at = next_expiry(expiry_kind, as_of, tz)
    schedule = []
    if next_at is not None:
        ahead = months_ending(current_month(as_of, tz) + relativedelta(months=EXPIRY_MONTHS - 1), EXPIRY_MONTHS, tz)
        # the month the next expiry falls in: 1 January's for a calendar year, this month for rolling
        headline = next(i for i, m in enumerate(ahead) if m.start <= next_at < m.end) \
            if expiry_kind == "calendar_year" else 0
        amounts = _expiring_by_month(ahead)
        for i, m in enumerate(ahead):
            schedule.append({"month": m.label, "points": sum(n for (_t, b), n in amounts.items() if b == i)})
        for (tier_key, b), n in amounts.items():
            if b <= headline and tier_key in by_tier:
                by_tier[tier_key]["expiring"] += n
    tiers = list(by_tier.values())
    return {"as_of": as_of, "total_points": sum(t["points"] for t in tiers),
            "members": sum(t["members"] for t in tiers), "by_tier": tiers, "history": history,
            "expiry_kind": expiry_kind, "next_expiry": next_at,
            "expiring_next": sum(t["expiring"] for t in tiers), "schedule": schedule}


def _expiring_by_month(ahead: list[Month]) -> dict:
    """{(tier_key, month index): points} expiring in each of the months ``ahead`` (index 0 also
    takes what is overdue)."""
    le = LedgerEntry
    month = case(*[(le.expires_at < m.end, i) for i, m in enumerate(ahead)], else_=None)
    # one row per member and month of expiry; what the member has spent or lost is "month" -1
    bucket = case((le.points < 0, -1), else_=month)
    moves = (select(le.member_id, bucket.label("b"), le.points)
             .where(or_(le.points < 0, and_(le.kind == "earn", le.expires_at < ahead[-1].end))).subquery("moves"))
    per_month = (select(moves.c.member_id, moves.c.b, func.sum(moves.c.points).label("points"))
                 .group_by(moves.c.member_id, moves.c.b).subquery("per_month"))
    by_member = dict(partition_by=per_month.c.member_id)
    running = (select(per_month.c.member_id, per_month.c.b,
                      func.sum(case((per_month.c.b >= 0, per_month.c.points), else_=0))
                      .over(**by_member, order_by=per_month.c.b).label("earned"),
                      func.sum(case((per_month.c.b < 0, -per_month.c.points), else_=0))
                      .over(**by_member).label("used"))
               .subquery("running"))
    due = running.c.earned - running.c.used  # what has expired by the end of month b
    gone = case((due >= Member.points_balance, Member.points_balance), (due > 0, due), else_=0)
    cumulative = (select(running.c.member_id, running.c.b, Member.tier_key, gone.label("gone"))
                  .join(Member, Member.id == running.c.member_id)
                  .where(running.c.b >= 0, Member.points_balance > 0).subquery("cumulative"))
    amount = cumulative.c.gone - func.lag(cumulative.c.gone, 1, 0).over(
        partition_by=cumulative.c.member_id, order_by=cumulative.c.b)
    monthly = select(cumulative.c.tier_key, cumulative.c.b, amount.label("n")).subquery("monthly")
    rows = db.session.execute(select(monthly.c.tier_key, monthly.c.b, func.sum(monthly.c.n))
                              .group_by(monthly.c.tier_key, monthly.c.b)).all()
    return {(r[0], int(r[1])): int(r[2] or 0) for r in rows}


# ---- 7. birthdays in the coming days (生日名单) --------------------------------------------------------

def birthdays(tz: ZoneInfo, as_of: datetime, days: int = 7) -> list[dict]:
    """Members whose birthday falls on one of the next ``days`` tenant-local days, today first.
    A 29 February birthday counts on 28 February in a common year, as the greeting job and the
    till's birthday benefit count it. Each row: the date, the age turned, member details."""
    check_range(days, 1, 31, "days")
    today = as_of.astimezone(tz).date()
    month, day = extract("month", Member.birthday), extract("day", Member.birthday)
    whens = []
    for offset in range(days):
        d = today + timedelta(days=offset)
        whens.append((and_(month == d.month, day == d.day), offset))
        if (d.month, d.day) == (2, 28) and not isleap(d.year):
            whens.append((and_(month == 2, day == 29), offset))
    dated = (select(Member.id, Member.member_no, Member.name, Member.birthday, Member.tier_key, Member.phone,
                    Member.contact_channel, case(*whens, else_=None).label("offset"))
             .where(Member.birthday.is_not(None)).subquery("dated"))
    rows = db.session.execute(select(dated).where(dated.c.offset.is_not(None))
                              .order_by(dated.c.offset, dated.c.member_no)).all()
    out = []
    for r in rows:
        on = today + timedelta(days=int(r.offset))
        out.append({"date": on, "member_id": r.id, "member_no": r.member_no, "name": r.name,
                    "birthday": r.birthday, "age": on.year - r.birthday.year, "tier_key": r.tier_key,
                    "phone_masked": mask_phone(r.phone), "contact_channel": r.contact_channel})
    return out


def birthday_counts(rows: list[dict], tz: ZoneInfo, as_of: datetime, days: int = 7) -> list[dict]:
    """Birthdays per day of the window (the chart beside the list), zero days included."""
    today = as_of.astimezone(tz).date()
    counts = {today + timedelta(days=i): 0 for i in range(days)}
    for r in rows:
        counts[r["date"]] += 1
    return [{"date": d, "members": n} for d, n in counts.items()]


# ---- 8. follow-ups due (回访) ---------------------------------------------------------------------

FOLLOW_UP_KIND = "follow_up"


def _follow_ups(as_of: datetime, tz: ZoneInfo, days: int):
    today = as_of.astimezone(tz).date()
    edges = [local_midnight(today + timedelta(days=i), tz) for i in range(days + 1)]
    where = (ServiceRequest.kind == FOLLOW_UP_KIND, ServiceRequest.status.in_(ACTIVE_STATUSES),
             ServiceRequest.due_at < edges[-1])
    return today, edges, where


def follow_ups_summary(tz: ZoneInfo, as_of: datetime, days: int = 7) -> dict:
    """Follow-up calls still to make (open or in progress) that are due before the end of the
    ``days``-th tenant day from today, counted by the day they are due ("earlier": before today)
    and status. ``overdue``: still open and past due, as the service queue counts it."""
    check_range(days, 1, 31, "days")
    today, edges, where = _follow_ups(as_of, tz, days)
    day = case((ServiceRequest.due_at < edges[0], -1),
               *[(ServiceRequest.due_at < edges[i + 1], i) for i in range(days)], else_=None)
    overdue = case((and_(ServiceRequest.status == "open", ServiceRequest.due_at < as_of), 1), else_=0)
    inner = select(day.label("day"), ServiceRequest.status, overdue.label("overdue")).where(*where).subquery("due")
    rows = db.session.execute(select(inner.c.day, inner.c.status, func.count().label("n"),
                                     func.sum(inner.c.overdue).label("overdue"))
                              .group_by(inner.c.day, inner.c.status)).all()
    buckets = [{"day": None, "open": 0, "in_progress": 0}]
    buckets += [{"day": today + timedelta(days=i), "open": 0, "in_progress": 0} for i in range(days)]
    total = late = 0
    for r in rows:
        buckets[int(r.day) + 1][r.status] += int(r.n)
        total += int(r.n)
        late += int(r.overdue or 0)
    for b in buckets:
        b["total"] = b["open"] + b["in_progress"]
    return {"days": buckets, "total": total, "overdue": late}


def follow_ups_due(tz: ZoneInfo, as_of: datetime, days: int = 7, offset: int = 0, limit: int | None = 50):
    """The follow-up calls of :func:`follow_ups_summary`, soonest due first."""
    check_range(days, 1, 31, "days")
    _today, _edges, where = _follow_ups(as_of, tz, days)
    q = (select(ServiceRequest.id, ServiceRequest.request_no, ServiceRequest.subject, ServiceRequest.status,
                ServiceRequest.priority, ServiceRequest.channel, ServiceRequest.due_at, Member.member_no,
                Member.name, User.name.label("assignee"))
         .outerjoin(Member, Member.id == ServiceRequest.member_id)
         .outerjoin(Membership, Membership.id == ServiceRequest.assignee_id)
         .outerjoin(User, User.id == Membership.user_id)
         .where(*where).order_by(ServiceRequest.due_at, ServiceRequest.id).offset(offset))
    if limit is not None:
        q = q.limit(limit)
    return ({"request_id": r.id, "request_no": r.request_no, "subject": r.subject, "status": r.status,
               "priority": r.priority, "channel": r.channel, "due_at": r.due_at, "member_no": r.member_no,
               "name": r.name, "assignee": r.assignee,
               "overdue": r.status == "open" and r.due_at < as_of}
            for r in db.session.execute(q).yield_per(1000))


def count_rows(summary_total: int, offset: int, limit: int) -> dict:
    """Paging facts for a list whose total the summary already counted."""
    return {"total": summary_total, "offset": offset, "limit": limit,
            "has_prev": offset > 0, "has_next": offset + limit < summary_total}

