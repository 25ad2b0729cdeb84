"""Share ranges: a percentage known exactly or within bounds, each bound inclusive or not.

Along a chain the ranges multiply (A holds 75% of B, B holds (50, 75]% of C: A holds
(37.5, 56.25]% of C); across the paths to one owner they add up, capped at 100.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

HUNDRED = Decimal(100)
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class ShareRange:
    min: Decimal
    max: Decimal
    exclusive_min: bool = False
    exclusive_max: bool = False

    @property
    def exact(self) -> Decimal | None:
        exact = self.min == self.max and not (self.exclusive_min or self.exclusive_max)
        return self.min if exact else None

    def times(self, other: ShareRange) -> ShareRange:
        """The share held through ``other``: both in percent, so divide by 100."""
        return ShareRange(self.min * other.min / HUNDRED, self.max * other.max / HUNDRED,
                          # A strict bound on either factor makes the product's strict
                          # (all values are >= 0), except when the other factor is 0.
                          (self.exclusive_min and other.min > 0)
                          or (other.exclusive_min and self.min > 0),
                          self.exclusive_max or other.exclusive_max)

    def plus(self, other: ShareRange) -> ShareRange:
        low, high = self.min + other.min, self.max + other.max
        return ShareRange(
            min(low, HUNDRED), min(high, HUNDRED),
            (self.exclusive_min or other.exclusive_min) and low < HUNDRED,
            (self.exclusive_max or other.exclusive_max) and high <= HUNDRED)


def interest_range(exact: Decimal | None, low: Decimal | None, high: Decimal | None,
                   exclusive_low: bool, exclusive_high: bool) -> ShareRange:
    """A stated share as a range; a missing bound is 0 or 100 (inclusive)."""
    if exact is not None:
        return ShareRange(exact, exact)
    return ShareRange(low if low is not None else ZERO,
                      high if high is not None else HUNDRED,
                      exclusive_low and low is not None, exclusive_high and high is not None)


def total(ranges: Iterable[ShareRange]) -> ShareRange | None:
    out: ShareRange | None = None
    for r in ranges:
        out = r if out is None else out.plus(r)
    return out
