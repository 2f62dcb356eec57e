"""Group dates into days or ISO weeks."""

from __future__ import annotations

from datetime import date, timedelta

from unspin.errors import InvalidInput

__all__ = ["FREQS", "bucket"]

FREQS = ("day", "week")


def bucket(published: str, freq: str = "day") -> str:
    """Return the period an ISO date falls in: the date itself (``day``) or the Monday that
    starts its ISO week (``week``).

    Raises:
        InvalidInput: freq is not ``day`` or ``week``, or the date is not ISO.
    """
    if freq not in FREQS:
        raise InvalidInput(f"unknown timeline frequency {freq!r}; use one of {', '.join(FREQS)}")
    try:
        day = date.fromisoformat(published[:10])
    except ValueError:
        raise InvalidInput(f"date {published!r} is not an ISO date (YYYY-MM-DD)") from None
    if freq == "week":
        day -= timedelta(days=day.weekday())
    return day.isoformat()
