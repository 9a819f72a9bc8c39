"""Demo staff for a postal tenant: one or more people in every position."""
from core.demo import seed_staff

PEOPLE = [
    ("lead@mingzhou-post.demo", "韩建平", "manager", ['postal.lead']),  # 客户经理主管
    ("cm1@mingzhou-post.demo", "邓丽", "staff", ['postal.client_manager']),  # 客户经理
    ("cm2@mingzhou-post.demo", "彭宇", "staff", ['postal.client_manager']),  # 客户经理
    ("hl@mingzhou-post.demo", "蒋晓梅", "staff", ['postal.hotline_operator']),  # 11185话务员
    ("st@mingzhou-post.demo", "蔡明", "staff", ['postal.stationed_staff']),  # 驻点人员
]


def seed_demo(tenant):
    return seed_staff(tenant, PEOPLE)
