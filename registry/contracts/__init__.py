"""Procurement contracts: one contracting process per OCDS ``ocid``, compiled from its releases."""
