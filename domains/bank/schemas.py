from marshmallow import Schema, fields, validate

from domains.bank.queue import KINDS

_KIND = validate.OneOf(list(KINDS))


class BranchInSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=20))
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    hotline = fields.String(allow_none=True, validate=validate.Length(max=20))


class BranchSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    hotline = fields.String(allow_none=True)


class CounterInSchema(Schema):
    number = fields.Integer(required=True, validate=validate.Range(min=1, max=999))
    kinds = fields.List(fields.String(validate=_KIND), required=True, validate=validate.Length(min=1))
    teller_id = fields.Integer(allow_none=True)


class CounterSchema(Schema):
    id = fields.Integer()
    branch_id = fields.Integer()
    number = fields.Integer()
    kinds = fields.List(fields.String())
    teller_id = fields.Integer(allow_none=True)
    active = fields.Boolean()


class TicketInSchema(Schema):
    """A ticket from the kiosk: identified by card number, phone or ID number, or not at all."""
    kind = fields.String(load_default="bank.handling", validate=_KIND)
    identifier = fields.String(allow_none=True, validate=validate.Length(max=40),
                               metadata={"description": "Card number, phone or ID number; empty for an ordinary ticket"})
    member_id = fields.Integer(allow_none=True)


class TicketSchema(Schema):
    id = fields.Integer()
    branch_id = fields.Integer()
    number = fields.String()
    kind = fields.String()
    member_id = fields.Integer(allow_none=True)
    identified_by = fields.String(allow_none=True)
    tier_key = fields.String(allow_none=True)
    priority = fields.Integer()
    max_wait_minutes = fields.Integer()
    issued_at = fields.DateTime()
    deadline_at = fields.DateTime()
    status = fields.String()
    counter_id = fields.Integer(allow_none=True)
    for_counter_id = fields.Integer(allow_none=True)
    called_at = fields.DateTime(allow_none=True)
    served_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    recalls = fields.Integer()
    transfers = fields.Integer()


class CallNextSchema(Schema):
    ticket = fields.Nested(TicketSchema, allow_none=True)


class TransferSchema(Schema):
    to_counter_id = fields.Integer(allow_none=True)
    to_kind = fields.String(allow_none=True, validate=_KIND)


class TierWaitInSchema(Schema):
    tier_key = fields.String(required=True, validate=validate.Length(max=32),
                             metadata={"description": "A tier of the live scheme; \"\" for clients without a tier"})
    max_wait_minutes = fields.Integer(required=True, validate=validate.Range(min=1, max=480))


class TierWaitSchema(Schema):
    tier_key = fields.String()
    name = fields.String(allow_none=True)
    priority = fields.Integer()
    default = fields.Integer()
    minutes = fields.Integer()


class BalanceRowSchema(Schema):
    period = fields.String(required=True, metadata={"example": "2026-10"})
    account_no = fields.String(required=True, validate=validate.Length(min=1, max=32))
    member_no = fields.String(required=True, validate=validate.Length(min=1, max=20))
    balance = fields.Decimal(required=True, as_string=True, places=2, metadata={"description": "Yuan"})


class BalancesInSchema(Schema):
    rows = fields.List(fields.Nested(BalanceRowSchema), required=True, validate=validate.Length(min=1, max=200_000))


class BalanceFileSchema(Schema):
    filename = fields.String(required=True, validate=validate.Length(min=1, max=200))
    content_base64 = fields.String(required=True)


class BalancesResultSchema(Schema):
    rows = fields.Integer()
    new = fields.Integer()
    changed = fields.Integer()
    unchanged = fields.Integer()


class ReviewInSchema(Schema):
    period = fields.String(required=True, metadata={"example": "2026-10"})


class ReviewResultSchema(Schema):
    period = fields.String()
    scheme_version = fields.Integer()
    up = fields.Integer()
    down = fields.Integer()
    same = fields.Integer()


class RouteInSchema(Schema):
    """One routing request from the phone system: the first without ``outcome``, then one per hop
    with the outcome of the hop it was told to dial."""
    call_id = fields.String(required=True, validate=validate.Length(min=1, max=64),
                            metadata={"description": "The phone system's own id of the call (Asterisk UNIQUEID, "
                                                     "FreeSWITCH uuid)", "example": "1732500000.42"})
    caller = fields.String(required=True, validate=validate.Length(min=1, max=20), metadata={"example": "13800138000"})
    branch_code = fields.String(allow_none=True, validate=validate.Length(max=20),
                                metadata={"description": "The branch whose number was dialled (default: the first)"})
    hop = fields.Integer(allow_none=True, metadata={"description": "The hop number the outcome is for"})
    outcome = fields.String(allow_none=True, validate=validate.OneOf(["answered", "busy", "no_answer", "failed"]))


class RouteDecisionSchema(Schema):
    call_id = fields.String()
    vip = fields.Boolean()
    status = fields.String(metadata={"description": "routing | answered | voicemail"})
    action = fields.String(metadata={"description": "dial | voicemail | done | hangup"})
    hop = fields.Integer(allow_none=True)
    kind = fields.String(allow_none=True, metadata={
        "description": "manager_seat | manager_mobile | duty_desk | duty_mobile | voicemail"})
    target = fields.String(allow_none=True, metadata={"description": "The extension or mobile to dial"})
    timeout_seconds = fields.Integer(allow_none=True)
    request_no = fields.String(allow_none=True, metadata={"description": "The ticket made for a voice message"})
    answered_by = fields.String(allow_none=True)


class SeatInSchema(Schema):
    branch_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["manager", "duty"]))
    extension = fields.String(required=True, validate=validate.Length(min=1, max=20))
    membership_id = fields.Integer(allow_none=True)


class SeatSchema(Schema):
    id = fields.Integer()
    branch_id = fields.Integer()
    kind = fields.String()
    extension = fields.String()
    membership_id = fields.Integer(allow_none=True)
    status = fields.String()
    idle_since = fields.DateTime(allow_none=True)
    status_at = fields.DateTime(allow_none=True)


class PresenceInSchema(Schema):
    extension = fields.String(required=True, validate=validate.Length(min=1, max=20))
    status = fields.String(required=True, validate=validate.OneOf(["available", "busy", "absent"]))


class StaffLineInSchema(Schema):
    mobile = fields.String(allow_none=True, validate=validate.Length(max=20))
    branch_id = fields.Integer(allow_none=True)


class StaffLineSchema(Schema):
    membership_id = fields.Integer()
    mobile = fields.String(allow_none=True)
    branch_id = fields.Integer(allow_none=True)


class DutyInSchema(Schema):
    branch_id = fields.Integer(required=True)
    day = fields.Date(required=True)
    membership_id = fields.Integer(required=True)


class DutySchema(Schema):
    id = fields.Integer()
    branch_id = fields.Integer()
    day = fields.Date()
    membership_id = fields.Integer()


class CallHopSchema(Schema):
    seq = fields.Integer()
    hop = fields.String()
    target = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    decided_at = fields.DateTime()


class CallSchema(Schema):
    id = fields.Integer()
    external_id = fields.String()
    caller = fields.String()
    vip = fields.Boolean()
    member_id = fields.Integer(allow_none=True)
    manager_id = fields.Integer(allow_none=True)
    status = fields.String()
    answered_hop = fields.String(allow_none=True)
    started_at = fields.DateTime()
    hops = fields.List(fields.Nested(CallHopSchema))


# ---- cases (problem resolution, claims) and deliveries ----------------------------------------------

class BankCaseInSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["bank.resolution", "bank.claim"]))
    subject = fields.String(required=True, validate=validate.Length(min=1, max=200))
    detail = fields.String(allow_none=True, validate=validate.Length(max=4000))
    member_id = fields.Integer(allow_none=True)
    channel = fields.String(load_default="counter")


class BankDeliveryInSchema(Schema):
    member_id = fields.Integer(required=True)
    item = fields.String(required=True, validate=validate.OneOf(["card", "document", "other"]))
    description = fields.String(required=True, validate=validate.Length(min=1, max=200))
    branch_id = fields.Integer(required=True)
    contact_id = fields.Integer(allow_none=True)


class BankStepInSchema(Schema):
    """Sign the next step; a hand-over needs the recipient's name and the ID checked."""
    step = fields.String(required=True, validate=validate.Length(min=1, max=24))
    note = fields.String(allow_none=True, validate=validate.Length(max=500))
    recipient_name = fields.String(allow_none=True, validate=validate.Length(max=80))
    id_checked = fields.Boolean(load_default=False)


class BankCaseStepSchema(Schema):
    seq = fields.Integer()
    key = fields.String()
    due_at = fields.DateTime()
    done_at = fields.DateTime(allow_none=True)
    done_by = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


class BankDeliverySchema(Schema):
    item = fields.String()
    description = fields.String()
    branch_id = fields.Integer(allow_none=True)
    contact_id = fields.Integer(allow_none=True)
    outcome = fields.String(allow_none=True)
    recipient_name = fields.String(allow_none=True)
    id_checked = fields.Boolean()
    handed_by = fields.String(allow_none=True)
    handed_at = fields.DateTime(allow_none=True)


class BankCaseSchema(Schema):
    id = fields.Integer(attribute="request.id")
    request_no = fields.String(attribute="request.request_no")
    kind = fields.String(attribute="request.kind")
    subject = fields.String(attribute="request.subject")
    member_id = fields.Integer(attribute="request.member_id", allow_none=True)
    tier_key = fields.String(attribute="request.tier_key", allow_none=True)
    priority = fields.Integer(attribute="request.priority")
    status = fields.String(attribute="request.status")
    received_at = fields.DateTime(attribute="request.received_at")
    due_at = fields.DateTime(attribute="request.due_at")
    overdue = fields.Boolean()
    next_step = fields.Function(lambda row: row["next"].key if row["next"] else None, allow_none=True)
    steps = fields.List(fields.Nested(BankCaseStepSchema))
    delivery = fields.Nested(BankDeliverySchema, allow_none=True)
