"""Events: what happened that matters to another system, written in the change's own transaction (the outbox)."""
