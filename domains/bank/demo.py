"""Demo staff for a bank tenant: one or more people in every position."""
from core.demo import seed_staff

PEOPLE = [
    ("t1@huitong-bank.demo", "林芳", "staff", ['bank.teller']),  # 柜员
    ("t2@huitong-bank.demo", "谢伟", "staff", ['bank.teller']),  # 柜员
    ("lm@huitong-bank.demo", "罗红梅", "staff", ['bank.lobby_manager']),  # 大堂经理
    ("cm1@huitong-bank.demo", "梁振宇", "staff", ['bank.client_manager']),  # 客户经理
    ("cm2@huitong-bank.demo", "宋佳", "staff", ['bank.client_manager']),  # 客户经理
    ("duty@huitong-bank.demo", "唐国华", "manager", ['bank.duty_officer']),  # 值班经理
]


def seed_demo(tenant):
    return seed_staff(tenant, PEOPLE)
