"""OCDS releases and records: staged as they are read, then compiled per ``ocid`` (in
worker processes when many are queued)."""
