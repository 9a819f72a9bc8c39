from marshmallow import Schema, fields, validate


class BalanceSchema(Schema):
    member_id = fields.Integer()
    balance = fields.Integer(metadata={"description": "The member's points: the sum of the ledger"})


class LedgerEntrySchema(Schema):
    id = fields.Integer()
    created_at = fields.DateTime()
    kind = fields.String(metadata={"description": "earn, redeem, expire, adjust or reverse"})
    points = fields.Integer()
    balance_after = fields.Integer()
    reason = fields.String()
    actor = fields.String(attribute="actor_label")
    purchase_id = fields.Integer(allow_none=True)
    reward_id = fields.Integer(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)


class RedeemSchema(Schema):
    reward_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    quantity = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1000))


class AdjustSchema(Schema):
    points = fields.Integer(required=True, validate=validate.Range(min=-10**9, max=10**9),
                            metadata={"example": 200})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=300),
                           metadata={"example": "补录：3月5日小票未刷卡"})


class StatementArgsSchema(Schema):
    since = fields.DateTime(required=True, metadata={"example": "2026-09-01T00:00:00+08:00"})
    until = fields.DateTime(required=True, metadata={"example": "2026-11-01T00:00:00+08:00"})


class StatementSchema(Schema):
    member_id = fields.Integer()
    since = fields.DateTime()
    until = fields.DateTime()
    opening = fields.Integer()
    closing = fields.Integer()
    entries = fields.List(fields.Nested(LedgerEntrySchema))


class RewardSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_\-]{1,40}$"),
                         metadata={"example": "GIFT-UMBRELLA"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=120), metadata={"example": "晴雨伞"})
    points_cost = fields.Integer(required=True, validate=validate.Range(min=1, max=10**9), metadata={"example": 500})
    stock = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=10**9))
    active = fields.Boolean(dump_only=True)
