"""The seeds' tier ladders as ready-made scheme documents (templates a tenant starts from).

``TEMPLATES[key] = {"label_zh": ..., "label_en": ..., "document": {...}}``; every document
validates with :func:`core.tiers.document.load_scheme`. Money is fen (1 yuan = 100 fen); rates are
pay-rates as strings ("0.88" = 8.8折).

Seeds live in ``/work/shared/seeds``: 001 = the dozen VIP rulebooks, 002 = the apparel brand's VIP
training deck, 003 = six VIP marketing plans. Where a seed gives no number the value here is a
choice, marked "CHOSEN" in the comment next to it.

``perks`` are stable codes; :data:`PERK_LABELS` gives their Chinese and English labels.
"""
from __future__ import annotations

import copy
from typing import Any

__all__ = ["PERK_LABELS", "TEMPLATES", "YUAN", "template_document"]

YUAN = 100  # fen


def _y(yuan: int) -> int:
    return yuan * YUAN


def _benefits(**kw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "discount_rate": None, "birthday": None, "points_per_unit": "1", "points_multiplier": "1",
        "parking_hours": 0, "alliance_rate": None, "priority": 5, "response_minutes": None,
        "client_manager": False, "perks": [],
    }
    out.update(kw)
    return out


def _spend(yuan: int, months: int) -> dict[str, Any]:
    return {"spend_within_months": {"amount": _y(yuan), "months": months}}


def _single(yuan: int) -> dict[str, Any]:
    return {"single_purchase_at_least": _y(yuan)}


PERK_LABELS: dict[str, dict[str, str]] = {
    "welcome_gift_and_handbook": {"zh": "入会礼品及会员手册", "en": "Welcome gift and member handbook"},
    "member_only_sales": {"zh": "会员独享特惠专场", "en": "Member-only sales"},
    "member_magazine": {"zh": "免费会员内刊", "en": "Free member magazine"},
    "priority_stock_and_custom_orders": {"zh": "缺货登记、定制优先", "en": "Priority out-of-stock registration and custom orders"},
    "points_gifts_or_rebate": {"zh": "每年积分换礼品或返利", "en": "Yearly points for gifts or rebate"},
    "first_to_know": {"zh": "第一时间获取活动及促销资讯", "en": "First to hear of events and promotions"},
    "airport_green_channel": {"zh": "机场绿色通道", "en": "Airport green channel"},
    "partner_services": {"zh": "合作伙伴增值服务(酒店、机票、洗衣)", "en": "Partner services (hotels, flights, laundry)"},
    "event_discounts": {"zh": "商场活动期间会员独有折扣", "en": "Members' own discounts during mall events"},
    "vip_lounge": {"zh": "专属VIP休息区", "en": "VIP lounge"},
    "lounge_refreshments": {"zh": "VIP休息区免费茶饮、咖啡、甜点", "en": "Free tea, coffee and desserts in the VIP lounge"},
    "personal_shopper": {"zh": "私人导购服务", "en": "Personal shopper"},
    "phone_online_orders_free_delivery": {"zh": "电话、网络订购,市区免费送货", "en": "Phone and online orders, free city delivery"},
    "exclusive_sales_event": {"zh": "每年独有销售活动", "en": "Yearly exclusive sales event"},
    "birthday_cake_or_wine": {"zh": "生日赠1磅蛋糕或干红(在店),店外寄贺卡", "en": "Birthday cake (1 lb) or wine in house, a card otherwise"},
    "bimonthly_points_statement": {"zh": "每2个月积分通知", "en": "Points statement every 2 months"},
    "holiday_gift": {"zh": "传统节日礼物", "en": "Holiday gift"},
    "quarterly_member_event": {"zh": "每季度主题酒会、联谊会", "en": "Quarterly cocktail or member evening"},
    "gm_hosted_dinner": {"zh": "总经理定期宴请", "en": "Dinner hosted by the general manager"},
    "exclusive_linen": {"zh": "专属布草(一条毛巾、浴巾、浴袍、拖鞋、发带)", "en": "Own linen (towel, bath towel, robe, slippers, hair band)"},
    "exclusive_linen_plus": {"zh": "专属布草(两条毛巾、浴巾、浴袍、拖鞋、发带)", "en": "Own linen (two towels, bath towel, robe, slippers, hair band)"},
    "vip_room": {"zh": "VIP房间", "en": "VIP treatment room"},
    "svip_room": {"zh": "SVIP房间", "en": "SVIP treatment room"},
    "routine_service": {"zh": "常规客服服务", "en": "Routine customer service"},
    "event_invitations": {"zh": "产品体验活动、线上讲座邀请", "en": "Invitations to product trials and online talks"},
    "regular_phone_follow_up": {"zh": "定期电话回访", "en": "Regular follow-up calls"},
    "coupons_and_gifts": {"zh": "定期寄送优惠券或礼品", "en": "Coupons and gifts by post"},
    "dedicated_service_specialist": {"zh": "专属客服专员", "en": "Dedicated service specialist"},
}


TEMPLATES: dict[str, dict[str, Any]] = {
    # ---- 001 "VIP会员制度及客户管理制度" 第四条–第二十一条: the retail 8.8 VIP card ----------------
    "retail_88": {
        "label_zh": "门店VIP卡(8.8折)",
        "label_en": "Retail VIP card (12% off)",
        "document": {
            "name": "门店VIP卡",
            "tiers": [{
                "key": "vip", "name": "VIP", "name_en": "VIP",
                # 第四条 一次性购物满1000元(实付); 第五条 半年内累计满2000元 或 一年内累计满3000元
                "qualify": {"any": [_single(1000), _spend(2000, 6), _spend(3000, 12)]},
                "requires_tier": None, "manual_review": False,
                "benefits": _benefits(
                    discount_rate="0.88",                      # 第九条 8.8折 (促销及特价货品除外)
                    # 第十四条 生日当天6折, 凭身份证原件; one use a year, all stores (DOMAIN §3)
                    birthday={"scope": "day", "rate": "0.60", "max_items": None,
                              "id_check": True, "once_per_year": True},
                    points_per_unit="1",                       # 第十一条 每消费1元(实付)积1分
                    priority=3,                                # CHOSEN: the seed has no priority levels
                    perks=["welcome_gift_and_handbook",        # 第八条
                           "member_only_sales",                # 第十二条
                           "member_magazine",                  # 第十三条
                           "priority_stock_and_custom_orders"],  # 第十五条
                ),
            }],
            "policies": {
                "upgrade": "immediate",
                # CHOSEN: no downgrade rule in the seed; a card lapses by not being renewed (validity)
                "downgrade": {"kind": "none"},
                "validity": {"kind": "december_renewal"},      # 第十六–十七条 12月换卡, 旧卡失效
                "points_expiry": {"kind": "calendar_year"},    # 第十八条 有效期至12月31日
                "accumulation_card_days": 365,                 # CHOSEN (as 002's accumulation card)
                "registration_days": 30,                       # 第七条 30天内网站登记注册
            },
        },
    },

    # ---- 002 "VIP客户服务管理" (apparel brand): 骑士卡 / 精英卡 / 钻石卡, 累积卡, 生日消费 -----------
    # Knight is the sub-brand's (爵度) card: single ≥ 3,000 or ≥ 8,000 a year, 8.5折, birthday month
    # 2 regular items at 6折. Elite: single ≥ 5,000 (business line; the 3,000 leather/GOLF line cannot
    # be told apart by a spend rule, so 5,000 is used) or ≥ 8,000 a year, 8.5折, 2 items at 6折.
    # Diamond: "以精英卡贵宾为基础" ≥ 20,000 a year or a single ≥ 15,000, 8折, 3 items at 5折.
    # Because elite's numbers include knight's yearly one, ≥ 8,000 a year leads to elite; knight is
    # reached by a single 3,000–4,999 purchase. requires_tier applies to BOTH diamond branches, so a
    # new customer's single 15,000 purchase gives elite first (see core.tiers.rules).
    "apparel": {
        "label_zh": "服装品牌 骑士卡/精英卡/钻石卡",
        "label_en": "Apparel brand knight / elite / diamond cards",
        "document": {
            "name": "服装品牌VIP卡",
            "tiers": [
                {"key": "knight", "name": "骑士卡", "name_en": "Knight card",
                 "qualify": {"any": [_single(3000), _spend(8000, 12)]},
                 "requires_tier": None, "manual_review": False,
                 "benefits": _benefits(
                     discount_rate="0.85",
                     # 生日消费: 小票写卡号及身份证号 -> id_check; 重复消费 is an offence -> once a year
                     birthday={"scope": "month", "rate": "0.60", "max_items": 2,
                               "id_check": True, "once_per_year": True},
                     priority=4,                               # CHOSEN
                     perks=["member_only_sales", "first_to_know"])},
                {"key": "elite", "name": "精英卡", "name_en": "Elite card",
                 "qualify": {"any": [_single(5000), _spend(8000, 12)]},
                 "requires_tier": None, "manual_review": False,
                 "benefits": _benefits(
                     discount_rate="0.85",
                     birthday={"scope": "month", "rate": "0.60", "max_items": 2,
                               "id_check": True, "once_per_year": True},
                     priority=3,                               # CHOSEN
                     perks=["member_only_sales", "points_gifts_or_rebate", "partner_services"])},
                {"key": "diamond", "name": "钻石卡", "name_en": "Diamond card",
                 "qualify": {"any": [_single(15000), _spend(20000, 12)]},
                 "requires_tier": "elite", "manual_review": False,
                 "benefits": _benefits(
                     discount_rate="0.80",
                     birthday={"scope": "month", "rate": "0.50", "max_items": 3,
                               "id_check": True, "once_per_year": True},
                     priority=2,                               # CHOSEN
                     perks=["airport_green_channel", "points_gifts_or_rebate",
                            "member_magazine",                 # 邮寄会刊(限钻石卡)
                            "partner_services"])},
            ],
            "policies": {
                "upgrade": "immediate",
                "downgrade": {"kind": "yearly"},               # CHOSEN: the deck has no downgrade rule
                "validity": {"kind": "days_from_issue", "days": 365},  # CHOSEN: card shows 有效日期, no length
                "points_expiry": {"kind": "calendar_year"},    # 每年的积分换礼品或返利
                "accumulation_card_days": 365,                 # 累积卡的有效期为一年
                "registration_days": None,
            },
        },
    },

    # ---- 003 篇6 "VIP客户的发展与维护" (a mall): 普卡/银卡/金卡/钻石卡/紫金钻石卡 ------------------
    # 二.1 benefits (parking 1/2/4/4/6 h; alliance merchants 9.5/9/8.8/8.5/8折); 二.2 升级进程.
    # Silver/gold read "半年内累计消费满X元,一年内累计消费满Y元" as either window (OR), like 001 第五条.
    # "首次消费满500元" is approximated by "a purchase of at least 500" (the rule language has no
    # "first purchase"; the caller may pass only the first purchase if it wants the strict reading).
    # No tier requires another: "自动升级" reads as automatic, so spend can skip cards.
    "mall_five": {
        "label_zh": "商场五卡制(普卡至紫金钻石卡)",
        "label_en": "Mall five-card ladder (normal to purple-gold diamond)",
        "document": {
            "name": "商场会员卡",
            "tiers": [
                {"key": "normal", "name": "普卡", "name_en": "Normal card",
                 "qualify": {"all": [_single(500), _spend(1500, 3)]},
                 "requires_tier": None, "manual_review": False,
                 "benefits": _benefits(parking_hours=1, alliance_rate="0.95",
                                       priority=5)},      # 具有消费积分: 1 per yuan CHOSEN
                {"key": "silver", "name": "银卡", "name_en": "Silver card",
                 "qualify": {"any": [_spend(3000, 6), _spend(5000, 12)]},
                 "requires_tier": None, "manual_review": False,
                 "benefits": _benefits(parking_hours=2, alliance_rate="0.9", priority=4,
                                       perks=["event_discounts"])},
                {"key": "gold", "name": "金卡", "name_en": "Gold card",
                 "qualify": {"any": [_spend(5000, 6), _spend(8000, 12)]},
                 "requires_tier": None, "manual_review": False,
                 "benefits": _benefits(parking_hours=4, alliance_rate="0.88", priority=3,
                                       perks=["event_discounts"])},
                {"key": "diamond", "name": "钻石卡", "name_en": "Diamond card",
                 "qualify": _spend(20000, 12),
                 "requires_tier": None, "manual_review": False,
                 "benefits": _benefits(parking_hours=4, alliance_rate="0.85", priority=2,
                                       perks=["event_discounts", "vip_lounge"])},
                # ≥ 40,000 a year AND good bank credit, steady spending, standing: a person decides
                {"key": "purple_gold", "name": "紫金钻石卡", "name_en": "Purple-gold diamond card",
                 "qualify": _spend(40000, 12),
                 "requires_tier": None, "manual_review": True,
                 "benefits": _benefits(parking_hours=6, alliance_rate="0.8", priority=1,
                                       perks=["personal_shopper", "vip_lounge", "lounge_refreshments",
                                              "phone_online_orders_free_delivery",
                                              "exclusive_sales_event"])},
            ],
            "policies": {
                "upgrade": "immediate",
                "downgrade": {"kind": "yearly"},               # CHOSEN: the plan only lists dormant cards
                "validity": {"kind": "none"},                  # CHOSEN: the plan sets no card validity
                "points_expiry": {"kind": "calendar_year"},    # CHOSEN: the plan is silent
                "accumulation_card_days": 365,                 # CHOSEN
                "registration_days": None,
            },
        },
    },

    # ---- 001 "星级酒店VIP客户的管理制度": V1–V4 (V1 is the highest: "按级别高低依次为V1、V2、V3和V4") ---
    # Anyone may apply (approved by sales within 5 working days): V4 is the entry card (qualify null).
    # The seed gives no thresholds, discounts or multipliers: all CHOSEN below (yearly spend).
    # Points on every spend (每一次消费都会累计积分), card valid 365 days from application.
    "hotel_v1_v4": {
        "label_zh": "星级酒店VIP卡 V1–V4",
        "label_en": "Star hotel VIP card V1–V4",
        "document": {
            "name": "酒店VIP卡",
            "tiers": [
                {"key": "v4", "name": "V4", "name_en": "V4", "qualify": None,
                 "requires_tier": None, "manual_review": False,
                 "benefits": _benefits(points_multiplier="1", priority=4,
                                       perks=["birthday_cake_or_wine", "bimonthly_points_statement",
                                              "holiday_gift"])},
                {"key": "v3", "name": "V3", "name_en": "V3",
                 "qualify": _spend(10000, 12),                 # CHOSEN
                 "requires_tier": None, "manual_review": False,
                 "benefits": _benefits(discount_rate="0.95", points_multiplier="1.2", priority=3,   # CHOSEN
                                       perks=["birthday_cake_or_wine", "bimonthly_points_statement",
                                              "holiday_gift", "quarterly_member_event"])},
                {"key": "v2", "name": "V2", "name_en": "V2",
                 "qualify": _spend(30000, 12),                 # CHOSEN
                 "requires_tier": None, "manual_review": False,
                 "benefits": _benefits(discount_rate="0.9", points_multiplier="1.5", priority=2,    # CHOSEN
                                       client_manager=True,    # sales staff visit their VIPs (§四.2)
                                       perks=["birthday_cake_or_wine", "bimonthly_points_statement",
                                              "holiday_gift", "quarterly_member_event"])},
                {"key": "v1", "name": "V1", "name_en": "V1",
                 "qualify": _spend(80000, 12),                 # CHOSEN
                 "requires_tier": None,
                 "manual_review": True,                        # CHOSEN: top reception level, GM's call (000)
                 "benefits": _benefits(discount_rate="0.85", points_multiplier="2", priority=1,     # CHOSEN
                                       client_manager=True,
                                       perks=["birthday_cake_or_wine", "bimonthly_points_statement",
                                              "holiday_gift", "quarterly_member_event",
                                              "gm_hosted_dinner"])},   # §四.6
            ],
            "policies": {
                "upgrade": "immediate",
                "downgrade": {"kind": "yearly"},               # CHOSEN
                "validity": {"kind": "days_from_issue", "days": 365},   # 卡有效期为申请之日起365天
                "points_expiry": {"kind": "rolling_months", "months": 12},  # CHOSEN: silent
                "accumulation_card_days": 365,                 # CHOSEN
                "registration_days": None,
            },
        },
    },

    # ---- 001 "svip与vip客户综合管理制度" (beauty club) + "svip管理制度范文": ordinary / VIP / SVIP ------
    # Both VIP and SVIP are granted by application (申请制: beautician applies, consultant approves
    # first, store manager finally), so both are manual_review; the spend thresholds only propose
    # (CHOSEN: the seeds give none). 范文 §二.(二).3: SVIP answered within 30 minutes in working hours.
    # §一.5: a monthly revocation review on the last day of the month.
    "ordinary_vip_svip": {
        "label_zh": "普通/VIP/SVIP",
        "label_en": "Ordinary / VIP / SVIP",
        "document": {
            "name": "会员资格",
            "tiers": [
                {"key": "ordinary", "name": "普通顾客", "name_en": "Ordinary", "qualify": None,
                 "requires_tier": None, "manual_review": False,
                 "benefits": _benefits(priority=5)},
                {"key": "vip", "name": "VIP", "name_en": "VIP",
                 "qualify": _spend(10000, 12),                 # CHOSEN
                 "requires_tier": None, "manual_review": True,
                 "benefits": _benefits(discount_rate="0.95",   # CHOSEN
                                       priority=3,
                                       response_minutes=120,   # CHOSEN: only SVIP's 30 min is given
                                       perks=["exclusive_linen", "vip_room"])},
                {"key": "svip", "name": "SVIP", "name_en": "SVIP",
                 "qualify": _spend(30000, 12),                 # CHOSEN
                 "requires_tier": None, "manual_review": True,
                 "benefits": _benefits(discount_rate="0.9",    # CHOSEN ("更高的优惠力度")
                                       priority=1, response_minutes=30, client_manager=True,
                                       perks=["exclusive_linen_plus", "svip_room"])},
            ],
            "policies": {
                "upgrade": "immediate",
                "downgrade": {"kind": "monthly_review"},       # §一.5 每月最后一天 评估取消资格
                "validity": {"kind": "days_from_issue", "days": 365},  # 范文 §二.(一).4; 365 CHOSEN
                "points_expiry": {"kind": "never"},            # CHOSEN: silent
                "accumulation_card_days": 365,                 # CHOSEN
                "registration_days": None,
            },
        },
    },

    # ---- 001 "vip顾客管理制度" 三.1–3 and 003 篇2 §三.2.a/§四.1 (also 002 VIP分类): A / B / C ---------
    # A: the most valuable (high frequency and amount), own service specialist, follow-up calls,
    # coupons and gifts; B: potential, own client manager, e-mail/SMS invitations with offers;
    # C: ordinary, "在消费时给予一定的优惠政策". No numbers in either seed: thresholds and rates are
    # CHOSEN; purchase frequency cannot be expressed as a spend rule and is left out.
    "abc": {
        "label_zh": "A/B/C 类顾客",
        "label_en": "A / B / C customer classes",
        "document": {
            "name": "顾客分类",
            "tiers": [
                {"key": "c", "name": "C类", "name_en": "Class C", "qualify": None,
                 "requires_tier": None, "manual_review": False,
                 "benefits": _benefits(discount_rate="0.95", priority=3,   # CHOSEN rate
                                       perks=["routine_service"])},
                {"key": "b", "name": "B类", "name_en": "Class B",
                 "qualify": _spend(5000, 12),                  # CHOSEN
                 "requires_tier": None, "manual_review": False,
                 "benefits": _benefits(discount_rate="0.95", priority=2, client_manager=True,
                                       perks=["event_invitations"])},
                {"key": "a", "name": "A类", "name_en": "Class A",
                 "qualify": _spend(20000, 12),                 # CHOSEN
                 "requires_tier": None, "manual_review": False,
                 "benefits": _benefits(discount_rate="0.9", priority=1, client_manager=True,  # CHOSEN rate
                                       perks=["dedicated_service_specialist", "regular_phone_follow_up",
                                              "coupons_and_gifts"])},
            ],
            "policies": {
                "upgrade": "immediate",
                "downgrade": {"kind": "yearly"},               # CHOSEN (篇2 §五.5 reviews cards monthly for lapses)
                "validity": {"kind": "none"},
                "points_expiry": {"kind": "never"},            # CHOSEN
                "accumulation_card_days": 365,
                "registration_days": None,
            },
        },
    },
}


def template_document(key: str) -> dict[str, Any]:
    """A private deep copy of ``TEMPLATES[key]["document"]`` (safe to edit); KeyError if unknown."""
    return copy.deepcopy(TEMPLATES[key]["document"])
