"""Request and response bodies of the auth and users endpoints."""

from marshmallow import Schema, fields, validate

from app.auth.models import Role
from app.common.fields import Email, StrictBoolean, Text, UTCDateTime

ROLES = [role.name for role in Role]


class Password(fields.String):
    """A new password: 8 to 128 characters (the upper bound keeps hashing cheap to refuse), without NUL
    as every text field (not trimmed: its spaces are part of it)."""

    def __init__(self, **kwargs):
        no_nul = validate.ContainsNoneOf(["\0"], error="Must not contain NUL characters (\\u0000).")
        super().__init__(validate=[validate.Length(min=8, max=128), no_nul], load_only=True, **kwargs)


class CompanyRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    company_id = fields.Integer(dump_only=True)
    email = fields.String()
    name = fields.String(allow_none=True)
    role = fields.String(metadata={"enum": ROLES})
    is_active = fields.Boolean()
    created_at = UTCDateTime()


class RegisterSchema(Schema):
    company_name = Text(max_length=120, min_length=1, required=True)
    email = Email(required=True)
    password = Password(required=True, metadata={"description": "At least 8 characters"})
    name = Text(max_length=120, allow_none=True)


class RegisteredSchema(Schema):
    company = fields.Nested(CompanyRefSchema)
    user = fields.Nested(UserSchema)
    token = fields.String(metadata={"description": "Bearer token; shown only once"})
    expires_at = UTCDateTime()


class LoginSchema(Schema):
    email = Email(required=True)
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=128))
    token_name = Text(max_length=120, metadata={"description": "A label for the token, e.g. the client's name"})


class TokenSchema(Schema):
    token = fields.String(metadata={"description": "Bearer token; shown only once"})
    expires_at = UTCDateTime()


class MeSchema(Schema):
    user = fields.Nested(UserSchema)
    company = fields.Nested(CompanyRefSchema)


class SessionSchema(MeSchema):
    csrf_token = fields.String(
        allow_none=True,
        metadata={"description": "Send it as `X-CSRF-Token` with every request that changes something; null for a bearer token"},
    )
    expires_at = UTCDateTime()


class UserCreateSchema(Schema):
    email = Email(required=True)
    password = Password(required=True)
    name = Text(max_length=120, allow_none=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class UserUpdateSchema(Schema):
    name = Text(max_length=120, allow_none=True)
    role = fields.String(validate=validate.OneOf(ROLES))
    is_active = StrictBoolean()
    password = Password()
