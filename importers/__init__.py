"""Importers: one adapter per public source, each behind the small protocol of
:mod:`importers.core.adapter` (``import_<source>(database_url, paths, *, dataset, resume,
...)`` returning a report), and their shared machinery in :mod:`importers.core`.

- ``bods/`` (BODS statements: ``importer``, ``mapping``, ``schema``), ``psc.py`` (UK PSC),
  ``companies.py`` (company registers): ownership sources, written by
  ``core/ownership_writer.py``;
- ``ocds/`` (OCDS releases and records: stage, then compile, in parallel when it pays);
- ``meetings.py`` (officials' diaries), ``donations.py`` with ``donations_parse.py``.

Importers use the store (``registry.db``, ``registry.models``, the bulk writers) and
``search``'s normalisation, never the registry's features or its command line (the import
contracts in pyproject.toml).
"""
