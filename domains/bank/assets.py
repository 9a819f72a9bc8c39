"""Tiers by assets under management (按资产分层): month-end balances from the core banking system,
and the tier review that grants each client the highest tier their assets reach.

Balances arrive by file (CSV or .xlsx, read with core/imports' reader) or as JSON, once per
(period, account): the same pair again replaces the figure, so a resent file changes nothing.
A file is applied all or nothing: one bad row refuses the whole file with its row number.
The review sums a client's accounts for the period and evaluates the live scheme's rules with the
engine (``core.tiers.rules.explain_rule`` with ``assets_fen``); moves go through
``core.tiers.services.grant``, so the history records the scheme version and the rule met.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core.audit import services as audit
from core.errors import RuleError
from core.extensions import db
from core.members.models import Member
from core.models import utcnow
from core.purchases.services import tenant_zone
from core.tiers.rules import explain_rule
from core.tiers.services import grant, live_scheme, scheme_of
from domains.bank.models import BankBalance

MAX_ROWS = 200_000
_Y = 100  # fen per yuan


class BalanceError(RuleError):
    """A balance file or row was refused."""


def _b(**kw) -> dict:
    out = {"discount_rate": None, "birthday": None, "points_per_unit": "1", "points_multiplier": "1",
           "parking_hours": 0, "alliance_rate": None, "priority": 5, "response_minutes": None,
           "client_manager": False, "perks": []}
    out.update(kw)
    return out


# A bank's ladder by assets (000 招商银行: 金卡 / 钻石 / 私人银行). The thresholds follow the usual
# retail-bank bands (CHOSEN: the seeds name the tiers, not the amounts).
LADDER = {
    "name": "资产分层",
    "tiers": [
        {"key": "ordinary", "name": "普通客户", "name_en": "Ordinary", "qualify": None, "requires_tier": None,
         "manual_review": False, "benefits": _b(priority=5)},
        {"key": "gold", "name": "金卡", "name_en": "Gold", "qualify": {"assets_at_least": 500_000 * _Y},
         "requires_tier": None, "manual_review": False,
         "benefits": _b(priority=3, response_minutes=60, client_manager=True)},
        {"key": "diamond", "name": "钻石", "name_en": "Diamond", "qualify": {"assets_at_least": 5_000_000 * _Y},
         "requires_tier": None, "manual_review": False,
         "benefits": _b(priority=2, response_minutes=30, client_manager=True)},
        {"key": "private", "name": "私人银行", "name_en": "Private banking",
         "qualify": {"assets_at_least": 10_000_000 * _Y}, "requires_tier": None, "manual_review": False,
         "benefits": _b(priority=1, response_minutes=15, client_manager=True)},
    ],
    "policies": {"upgrade": "immediate", "downgrade": {"kind": "none"}, "validity": {"kind": "none"},
                 "points_expiry": {"kind": "never"}, "accumulation_card_days": 365, "registration_days": None},
}


def parse_period(value, field: str = "period") -> date:
    m = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-01)?", str(value or "").strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise BalanceError(field, _l("A month as YYYY-MM, e.g. 2026-10."))
    return date(int(m.group(1)), int(m.group(2)), 1)


def _fen(value, field: str) -> int:
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise BalanceError(field, _l("An amount in yuan, e.g. 523000.50.")) from None
    if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -2 or amount > Decimal("1e13"):
        raise BalanceError(field, _l("An amount in yuan, e.g. 523000.50."))
    return int(amount * 100)


def _clean_rows(rows: list[dict]) -> list[tuple[date, str, int, int]]:
    """(period, account, member id, fen) for every row, or the first bad row's refusal."""
    if not rows:
        raise BalanceError("rows", _l("No balance rows."))
    if len(rows) > MAX_ROWS:
        raise BalanceError("rows", _l("At most %(n)s rows per file: split it.", n=f"{MAX_ROWS:,}"))
    numbers = {str(r.get("member_no") or "").strip() for r in rows}
    ids = dict(db.session.execute(select(Member.member_no, Member.id).where(Member.member_no.in_(numbers))).all())
    out, seen = [], set()
    for i, r in enumerate(rows, start=1):
        where = f"rows[{i}]"
        period = parse_period(r.get("period"), f"{where}.period")
        account = str(r.get("account_no") or "").strip()
        if not account or len(account) > 32:
            raise BalanceError(f"{where}.account_no", _l("An account number of 1 to 32 characters."))
        if (period, account) in seen:
            raise BalanceError(f"{where}.account_no", _l("This account appears twice for the period."))
        seen.add((period, account))
        member_id = ids.get(str(r.get("member_no") or "").strip())
        if member_id is None:
            raise BalanceError(f"{where}.member_no", _l("No client with this member number."))
        out.append((period, account, member_id, _fen(r.get("balance"), f"{where}.balance")))
    return out


def record_balances(actor, rows: list[dict], now=None) -> dict:
    """Upsert month-end balances by (period, account). Returns counts of new and changed rows."""
    clean = _clean_rows(rows)
    now = now or utcnow()
    existing = {(p, a): b for p, a, b in [
        (row.period, row.account_no, row) for row in db.session.scalars(select(BankBalance).where(
            BankBalance.period.in_({c[0] for c in clean}),
            BankBalance.account_no.in_({c[1] for c in clean})))]}
    new = changed = 0
    fresh = []
    for period, account, member_id, fen in clean:
        row = existing.get((period, account))
        if row is None:
            fresh.append({"period": period, "account_no": account, "member_id": member_id, "balance_fen": fen,
                          "received_at": now})
            new += 1
        elif row.balance_fen != fen or row.member_id != member_id:
            row.balance_fen, row.member_id, row.received_at = fen, member_id, now
            changed += 1
    if fresh:
        from core.tenancy.context import current_tenant_id
        tid = current_tenant_id()
        db.session.execute(BankBalance.__table__.insert(), [{**f, "tenant_id": tid} for f in fresh])
    db.session.flush()
    audit.record(actor, "bank.balances", "bank_balance", None, None,
                 {"rows": len(clean), "new": new, "changed": changed})
    return {"rows": len(clean), "new": new, "changed": changed, "unchanged": len(clean) - new - changed}


_HEADERS = {"period": ("period", "月份", "期间", "统计月份"), "account_no": ("account_no", "account", "账号", "账户"),
            "member_no": ("member_no", "会员号", "客户号", "member"), "balance": ("balance", "余额", "月末余额", "balance_yuan")}


def rows_from_file(filename: str, data: bytes) -> list[dict]:
    """A balance file (CSV or .xlsx; columns period, account_no, member_no, balance in yuan, with
    Chinese headings too) as rows. A file that is not a table of these refuses with ``file``."""
    from core.imports import reading
    info = reading.inspect(filename, data)
    heads = [h.strip().lower() for h in info["headers"]]
    index = {}
    for key, names in _HEADERS.items():
        found = [i for i, h in enumerate(heads) if h in names]
        if not found:
            raise BalanceError("file", _l("The file needs the column %(column)s.", column=key))
        index[key] = found[0]
    out = []
    for _number, cells in reading.rows(info["kind"], data, info["encoding"], len(heads)):
        out.append({k: reading.cell_text(cells[i]) for k, i in index.items()})
    return out


def assets_by_member(period: date) -> dict[int, int]:
    return dict(db.session.execute(select(BankBalance.member_id, func.sum(BankBalance.balance_fen))
                                   .where(BankBalance.period == period).group_by(BankBalance.member_id)).all())


def review(actor, period: date) -> dict:
    """Each client's tier from their assets in ``period``: up to the highest tier reached, down
    when below (tiers nobody reaches by rule — a person's decision — are left alone)."""
    row = live_scheme()
    if row is None:
        raise BalanceError("scheme", _l("Publish a tier scheme first."), 409)
    scheme = scheme_of(row)
    if not any(_has_assets(t.qualify) for t in scheme.tiers):
        raise BalanceError("scheme", _l("The live scheme has no tier by assets."), 409)
    assets = assets_by_member(period)
    if not assets:
        raise BalanceError("period", _l("No balances for this period."), 404)
    as_of, tz = utcnow(), tenant_zone()
    ranks = {t.key: i for i, t in enumerate(scheme.tiers)}
    entry = next((t.key for t in scheme.tiers if t.qualify is None), None)
    moved = {"up": 0, "down": 0, "same": 0}
    holders = select(Member.id).where(Member.tier_key.in_([t.key for t in scheme.tiers if t.qualify is not None]))
    ids = set(assets) | set(db.session.scalars(holders))
    members = {m.id: m for chunk in _chunks(sorted(ids), 900)
               for m in db.session.scalars(select(Member).where(Member.id.in_(chunk)))}
    for member_id in sorted(ids):
        member = members[member_id]
        current = scheme.tiers[ranks[member.tier_key]] if member.tier_key in ranks else None
        if current is not None and current.qualify is None and ranks[current.key] > 0:
            moved["same"] += 1
            continue  # a tier a person granted
        target, why = entry, None
        for tier in reversed(scheme.tiers):
            if tier.qualify is None:
                continue
            why = explain_rule(tier.qualify, [], as_of, tz, assets.get(member_id, 0))
            if why is not None:
                target = tier.key
                break
        if target == (member.tier_key or entry):
            moved["same"] += 1
            continue
        up = ranks.get(target, -1) > ranks.get(member.tier_key, -1)
        grant(actor, member, row, target, f"{period:%Y-%m} {why or 'assets below every tier'}")
        moved["up" if up else "down"] += 1
    audit.record(actor, "bank.tier_review", "tier_scheme", row.id, None, {"period": f"{period:%Y-%m}", **moved})
    return {"period": f"{period:%Y-%m}", "scheme_version": row.version, **moved}


def _chunks(items, size):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _has_assets(rule) -> bool:
    from core.tiers.document import AllOf, AnyOf, AssetsAtLeast
    if isinstance(rule, AssetsAtLeast):
        return True
    if isinstance(rule, (AllOf, AnyOf)):
        return any(_has_assets(r) for r in rule.rules)
    return False
