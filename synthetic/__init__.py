"""Synthetic data generators shared by the tests and the benchmarks.

Deterministic for a seed. Its own package so that tests need not import ``bench`` nor
``bench`` import ``tests``: it may import production code, and nothing imports it but those
two."""
