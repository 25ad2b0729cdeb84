"""Periodic returns: what each published registrant owes, for which period, by when."""
