"""Demo staff for a hotel tenant: one or more people in every position."""
from core.demo import seed_staff

PEOPLE = [
    ("gm@huating-hotel.demo", "王德明", "manager", ['hotel.gm']),  # 总经理
    ("gma@huating-hotel.demo", "刘思雨", "staff", ['hotel.gm_assistant']),  # 总经理助理
    ("am@huating-hotel.demo", "陈晓峰", "staff", ['hotel.assistant_manager']),  # 大堂副理
    ("fo@huating-hotel.demo", "赵雅琴", "manager", ['hotel.front_office']),  # 前厅经理
    ("hk@huating-hotel.demo", "孙丽华", "manager", ['hotel.housekeeping']),  # 客房部经理
    ("eng@huating-hotel.demo", "马永强", "manager", ['hotel.engineering']),  # 工程部经理
    ("qa@huating-hotel.demo", "黄俊杰", "manager", ['hotel.qa']),  # 质检经理
    ("qaa@huating-hotel.demo", "吴佳怡", "staff", ['hotel.qa_assistant']),  # 质检经理助理
    ("fnb@huating-hotel.demo", "郑国栋", "manager", ['hotel.fnb']),  # 餐饮总监
    ("sec@huating-hotel.demo", "何志勇", "manager", ['hotel.security']),  # 保安部经理
    ("mkt@huating-hotel.demo", "许婷婷", "manager", ['hotel.marketing']),  # 市场营销部经理
    ("sales@huating-hotel.demo", "冯浩然", "staff", ['hotel.sales']),  # 销售经理
    ("fin@huating-hotel.demo", "曹静", "staff", ['hotel.finance']),  # 财务采购
]


def seed_demo(tenant):
    return seed_staff(tenant, PEOPLE)
