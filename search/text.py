"""Text primitives for names: transliteration to ASCII, tokens, sound-alike codes.

Transliteration is ``anyascii`` (a pure-Python wheel covering every script), so the
registry installs from wheels alone: ``normality`` 3 and ``rigour`` need PyICU, which has no
wheel and compiles against the system's ICU. ``anyascii`` spells Ukrainian and Russian
close to the passport systems (``Коваленко`` -> ``Kovalenko``); the spellings that the
other systems choose for the same letters (``ий``/``iy``/``yi``/``i``, ``я`` as ``ya``/``ia``)
are folded together by ``fold_latin`` where names are compared.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from anyascii import anyascii
from jellyfish import metaphone as _metaphone

# Deleted without a break: apostrophes and the abbreviation dot (``U.S.A.``, ``O'Brien``).
_SKIP = ".'\u2018\u2019\u02bc\u02b9`\u00b4\"\u201c\u201d"
# Unicode categories that break tokens (punctuation, separators, maths, other symbols);
# marks and modifier letters are dropped; everything else (letters, digits) is kept.
_BREAK = frozenset({"Cc", "Zs", "Zl", "Zp", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm",
                    "So"})
_DROP = frozenset({"Cf", "Co", "Cn", "Lm", "Mn", "Me", "Sk", "Sc"})


class _TokenTable(dict[int, int | None]):
    """A lazy ``str.translate`` table: separators become spaces, marks vanish."""

    def __missing__(self, codepoint: int) -> int | None:
        category = unicodedata.category(chr(codepoint))
        value: int | None = codepoint
        if category in _BREAK:
            value = 32
        elif category in _DROP:
            value = None
        if len(self) < 100_000:
            self[codepoint] = value
        return value


_TOKENS = _TokenTable({ord(c): None for c in _SKIP})


def tokenize(text: str) -> list[str]:
    """The tokens of a text: punctuation and symbols break, apostrophes and dots vanish."""
    return text.translate(_TOKENS).split()


@functools.lru_cache(maxsize=65536)
def ascii_text(text: str) -> str:
    """Any script to ASCII (``Дніпро`` -> ``Dnipro``, ``Müller`` -> ``Muller``)."""
    if text.isascii():
        return text
    return anyascii(unicodedata.normalize("NFC", text))


_FOLDS = [(re.compile(p), r) for p, r in [
    (r"y", "i"), (r"j(?=[aeiou])", "i"),
    (r"kh", "h"), (r"zh", "z"), (r"([a-z])\1", r"\1"),
]]


@functools.lru_cache(maxsize=65536)
def fold_latin(token: str) -> str:
    """A Latin spelling reduced so that the usual transliteration systems of one word agree
    (``tovarystvo``/``tovaristvo``, ``Khmelnytskyi``/``Hmelnitskiy``, ``Yuliia``/``Yuliya``).
    Only for comparing; never shown."""
    out = token
    for pattern, repl in _FOLDS:
        out = pattern.sub(repl, out)
    return out


def metaphone(token: str) -> str:
    """The metaphone code of one token (empty for none)."""
    try:
        return str(_metaphone(token))
    except (ValueError, IndexError):
        return ""
