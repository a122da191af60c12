"""Idempotency keys: a retried request replays its first answer instead of applying twice."""
