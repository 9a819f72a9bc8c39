from marshmallow import Schema, fields, validate


class TemplateSchema(Schema):
    key = fields.String()
    label_zh = fields.String()
    label_en = fields.String()
    document = fields.Dict()


class SchemeSchema(Schema):
    id = fields.Integer()
    version = fields.Integer()
    status = fields.String(metadata={"description": "draft or published"})
    template = fields.String(allow_none=True)
    document = fields.Dict(metadata={"description": "The validated scheme document"})
    published_at = fields.DateTime(allow_none=True)
    published_by = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


class NewSchemeSchema(Schema):
    template = fields.String(validate=validate.Length(max=40), metadata={"example": "retail_88"})
    copy_of = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    document = fields.Dict()
    note = fields.String(validate=validate.Length(max=500))


class SchemePatchSchema(Schema):
    document = fields.Dict(required=True)


class PublishSchema(Schema):
    note = fields.String(validate=validate.Length(max=500), metadata={"example": "2027 年度方案"})


class TierChangeSchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    scheme_id = fields.Integer()
    from_tier = fields.String(allow_none=True)
    to_tier = fields.String()
    reason = fields.String()
    status = fields.String(metadata={"description": "applied, proposed (awaiting a person) or rejected"})
    created_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    decided_by = fields.String(allow_none=True)


class DecisionSchema(Schema):
    approve = fields.Boolean(required=True)


class ReviewArgsSchema(Schema):
    as_of = fields.AwareDateTime(metadata={"description": "Review as of this moment (default now)"})


class ReviewRowSchema(Schema):
    member_id = fields.Integer()
    member_no = fields.String()
    name = fields.String()
    from_tier = fields.String()
    to_tier = fields.String(allow_none=True, metadata={"description": "null: no tier any more"})


class ReviewRunSchema(Schema):
    moved = fields.Integer(metadata={"description": "Members moved down by this run"})
