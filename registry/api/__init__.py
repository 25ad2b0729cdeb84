"""Cross-cutting API pieces: problem+json errors, pagination, access declarations."""
