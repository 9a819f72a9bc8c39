from marshmallow import Schema, fields, validate

PRICE_TYPES = ("regular", "promotional", "special")


class LineSchema(Schema):
    sku = fields.String(load_default="", validate=validate.Length(max=64), metadata={"example": "SKU-1001"})
    description = fields.String(load_default="", validate=validate.Length(max=200), metadata={"example": "羊毛大衣"})
    unit_price_fen = fields.Integer(required=True, validate=validate.Range(min=0, max=10**10),
                                    metadata={"description": "List price of one unit, in fen", "example": 10000})
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=10000), metadata={"example": 1})
    price_type = fields.String(load_default="regular", validate=validate.OneOf(PRICE_TYPES),
                               metadata={"description": "regular lines get the tier discount; promotional "
                                                        "and special-price lines never do"})
    category = fields.String(load_default="", validate=validate.Length(max=40),
                             metadata={"description": "What the item is, for segments", "example": "jeans"})
    size = fields.String(load_default="", validate=validate.Length(max=20), metadata={"example": "XL"})
    colour = fields.String(load_default="", validate=validate.Length(max=20), metadata={"example": "navy"})


class QuoteRequestSchema(Schema):
    member_id = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=2**31 - 1))
    lines = fields.List(fields.Nested(LineSchema), required=True, validate=validate.Length(min=1, max=500))
    purchased_at = fields.AwareDateTime(metadata={"description": "Defaults to now"})
    id_checked = fields.Boolean(load_default=False,
                                metadata={"description": "The cashier saw the member's ID (birthday benefit)"})


class RecordRequestSchema(QuoteRequestSchema):
    external_id = fields.String(required=True, validate=validate.Length(min=1, max=100),
                                metadata={"description": "The till's own id: the same id is recorded once",
                                          "example": "POS-0042-20261124-0193"})


class QuoteLineSchema(Schema):
    sku = fields.String()
    description = fields.String()
    quantity = fields.Integer()
    unit_price_fen = fields.Integer()
    price_type = fields.String()
    list_total_fen = fields.Integer()
    discount_fen = fields.Integer()
    paid_fen = fields.Integer()
    rate_applied = fields.String(allow_none=True)
    benefit = fields.String()
    earns_points = fields.Boolean()
    birthday_units = fields.Integer()


class QuoteSchema(Schema):
    tier_key = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(QuoteLineSchema))
    list_total_fen = fields.Integer()
    discount_fen = fields.Integer()
    paid_fen = fields.Integer()
    points = fields.Integer()
    birthday_units_used = fields.Integer()
    birthday_blocked_reason = fields.String(allow_none=True)


class PurchaseSchema(Schema):
    id = fields.Integer()
    external_id = fields.String()
    member_id = fields.Integer(allow_none=True)
    card_id = fields.Integer(allow_none=True)
    purchased_at = fields.DateTime()
    tier_key = fields.String(allow_none=True)
    list_total_fen = fields.Integer()
    discount_fen = fields.Integer()
    paid_fen = fields.Integer()
    points = fields.Integer()
    birthday_units = fields.Integer()
    lines = fields.List(fields.Dict())
    member_tier_after = fields.String(allow_none=True)
    points_balance_after = fields.Integer(allow_none=True)


class ReturnItemSchema(Schema):
    line = fields.Integer(required=True, validate=validate.Range(min=0, max=499),
                          metadata={"description": "Index of the line in the original purchase"})
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=10000))


class ReturnRequestSchema(Schema):
    external_id = fields.String(required=True, validate=validate.Length(min=1, max=100),
                                metadata={"example": "POS-0042-RET-0007"})
    lines = fields.List(fields.Nested(ReturnItemSchema), required=True, validate=validate.Length(min=1, max=500))
