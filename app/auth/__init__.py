"""Accounts: users, roles, API tokens and the caller's company."""
