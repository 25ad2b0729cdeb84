"""The command line: the only package that imports click. One module per command group
(:mod:`.serve`, :mod:`.db`, :mod:`.imports`, :mod:`.exports`, :mod:`.link`, :mod:`.index`,
:mod:`.publish`, :mod:`.user`), the :class:`~.context.Context` they share and their one
runner (:func:`~.context.run_async`); :mod:`.main` puts them together."""

from .main import cli, main

__all__ = ["cli", "main"]
