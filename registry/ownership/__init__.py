"""Ownership and control: chains as of a date, their API, and the bulk writer."""
