"""Bulk exports in open standards; each format in its own module, all with a manifest."""
