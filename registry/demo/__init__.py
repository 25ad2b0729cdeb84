"""Bundled demo data: small but realistic, so that a new install shows something."""
