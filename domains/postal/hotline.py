"""Priority service (优先服务, 001 篇3 §一.(二)) and the 11185 hotline (§一.(一)).

A VIP client's postal business is handled first: 优先办理 (at the counter), 优先查询 (inquiries,
through the 11185 hotline), 优先投递 (delivery), 优先解决问题 (problem resolution) and 优先理赔
(claims). Each is a core service kind, so the engine gives it the client's tier priority and due time
(the tier's response time in working hours). Complaints through the hotline use core's ``complaint``
kind, with its nine steps. The hotline operator finds the caller by phone (a person's own phone, or a
company's registered contact) and opens the request on the client manager's list.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.members.models import Member, MemberContact
from core.members.services import find_by_phone
from core.service import services as service
from domains.postal.services import PostalError, client

PRIORITY_KINDS = {
    "postal.handling": _l("Priority handling at the counter"),      # 优先办理
    "postal.inquiry": _l("Priority inquiry (11185)"),               # 优先查询
    "postal.delivery": _l("Priority delivery"),                     # 优先投递
    "postal.resolution": _l("Priority problem resolution"),         # 优先解决问题
    "postal.claim": _l("Priority claim"),                           # 优先理赔
}
HOTLINE_KINDS = ("postal.inquiry", "complaint", "postal.delivery", "postal.resolution", "postal.claim")

for _key, _label in PRIORITY_KINDS.items():
    service.register_kind(_key, _label)


def recognise(phone: str | None) -> tuple[Member | None, MemberContact | None]:
    """Who is calling: a person by their own phone, a company through a registered contact."""
    return find_by_phone(phone)


def open_hotline_request(actor, *, member_id, kind: str, subject: str, detail: str | None = None,
                         contact: MemberContact | None = None, now=None):
    """A request taken on the 11185 hotline for a known client: due by the tier's response time and put
    on the client manager's list (assigned to them)."""
    member = client(member_id)
    if kind not in HOTLINE_KINDS:
        raise PostalError("kind", _l("Choose from: %(choices)s.", choices=", ".join(HOTLINE_KINDS)))
    if contact is not None:
        detail = f"{contact.name} ({contact.title or '-'}, {contact.phone})" + (f"\n{detail}" if detail else "")
    req = service.create_request(actor, kind=kind, subject=subject, detail=detail, member_id=member.id,
                                 channel="hotline", now=now)
    if member.client_manager_id is not None:
        service.assign(actor, req.id, member.client_manager_id, now=now)
    return req
