"""Webhook subscriptions: where a company's events are posted, signed with the subscription's secret."""
