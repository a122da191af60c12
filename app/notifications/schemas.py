"""Bodies of /api/companies/{id}/notifications."""

from marshmallow import Schema, fields, post_load, validate

from app.common.fields import StrictInteger
from app.notifications.models import MODES

MAX_ADDRESSES = 50


class NotificationSettingsSchema(Schema):
    low_stock_emails = fields.List(
        fields.Email(validate=validate.Length(max=254)), validate=validate.Length(max=MAX_ADDRESSES),
        metadata={"description": f"Who gets the emails, at most {MAX_ADDRESSES}; repeats are dropped. "
                                 "Empty (the default): nothing is sent."})
    mode = fields.String(validate=validate.OneOf(MODES), metadata={
        "description": "immediate: within 2 minutes of a level going low, the stock.low events of each minute in one "
                       "email; daily_digest: once a day at digest_hour_utc, the current alerts that no email listed "
                       "yet; off: none. Default immediate."})
    digest_hour_utc = StrictInteger(validate=validate.Range(min=0, max=23), metadata={"description": "Default 7"})

    @post_load
    def _without_repeats(self, data, **kwargs):
        if "low_stock_emails" in data:
            seen, addresses = set(), []
            for address in data["low_stock_emails"]:
                if address.casefold() not in seen:
                    seen.add(address.casefold())
                    addresses.append(address)
            data["low_stock_emails"] = addresses
        return data
