"""Bodies of /api/companies/{id}/notifications."""

from marshmallow import Schema, fields, validate

from app.common.fields import Email, StrictInteger
from app.notifications.models import MODES

MAX_ADDRESSES = 50


class _Recipients(fields.List):
    """Addresses without repeats (case-insensitively; the first spelling kept), then at most MAX_ADDRESSES."""

    def __init__(self, **kwargs):
        super().__init__(Email(keep_case=True), validate=validate.Length(max=MAX_ADDRESSES), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        addresses = {}
        for address in super()._deserialize(value, attr, data, **kwargs):
            addresses.setdefault(address.casefold(), address)
        return list(addresses.values())


class NotificationSettingsSchema(Schema):
    low_stock_emails = _Recipients(metadata={
        "description": f"Who gets the emails, at most {MAX_ADDRESSES} once repeats (any case) are dropped; each "
                       "trimmed. Empty (the default): nothing is sent."})
    mode = fields.String(validate=validate.OneOf(MODES), metadata={
        "description": "immediate: within 2 minutes of a level going low, the stock.low events of each minute in one "
                       "email; daily_digest: once a day at digest_hour_utc, the current alerts that no email listed "
                       "yet; off: none. Default immediate."})
    digest_hour_utc = StrictInteger(validate=validate.Range(min=0, max=23), metadata={"description": "Default 7"})
