"""Pieces every resource shares: strict fields, list envelopes, the API blueprint."""
