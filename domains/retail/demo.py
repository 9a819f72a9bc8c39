"""Demo staff for a retail tenant: one or more people in every position."""
from core.demo import seed_staff

PEOPLE = [
    ("sm1@yueyi-fashion.demo", "郭美玲", "manager", ['retail.store_manager']),  # 店长
    ("c1@yueyi-fashion.demo", "杨小琳", "staff", ['retail.cashier']),  # 收银员
    ("c2@yueyi-fashion.demo", "朱文博", "staff", ['retail.cashier']),  # 收银员
    ("gw1@yueyi-fashion.demo", "高雪", "staff", ['retail.consultant']),  # 导购顾问
]


def seed_demo(tenant):
    return seed_staff(tenant, PEOPLE)
