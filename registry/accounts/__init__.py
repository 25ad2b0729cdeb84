"""Accounts: sign-up, access tokens, API keys, the audit log for admins, ``registry user``."""
