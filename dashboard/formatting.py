"""Numbers formatted for people: 96.3 M followers, 3:57 long, 25 % of tracks."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

MISSING = "—"

_UNITS = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, pandas NA raises TypeError
    except TypeError:
        return True


def format_count(value: Any) -> str:
    """96_300_000 -> '96.3 M', 2_450 -> '2.5 K', 815 -> '815'."""
    if _is_missing(value):
        return MISSING
    number = float(value)
    sign = "-" if number < 0 else ""
    number = abs(number)
    for size, unit in _UNITS:
        # Round first, so 999_950 becomes '1 M' rather than '1000 K'.
        if round(number / size, 1) >= 1 and (unit == "T" or round(number / size, 1) < 1000):
            scaled = round(number / size, 1)
            text = f"{scaled:.1f}".removesuffix(".0")
            return f"{sign}{text} {unit}"
    return f"{sign}{round(number)}"


def format_duration_ms(value: Any) -> str:
    """237_000 -> '3:57'; an hour or more -> '1:02:05'."""
    if _is_missing(value):
        return MISSING
    seconds = round(float(value) / 1000)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_duration_minutes(value: Any) -> str:
    """3.95 (minutes) -> '3:57'."""
    if _is_missing(value):
        return MISSING
    return format_duration_ms(float(value) * 60_000)


def format_percent(value: Any, digits: int = 0) -> str:
    """A share 0..1 -> '25 %'."""
    if _is_missing(value):
        return MISSING
    return f"{float(value) * 100:.{digits}f} %"


def format_number(value: Any, digits: int = 0) -> str:
    """71.4 -> '71'; thousands separated: 12345 -> '12,345'."""
    if _is_missing(value):
        return MISSING
    number = float(value)
    if math.isinf(number):
        return MISSING
    return f"{number:,.{digits}f}"


def format_change(value: Any) -> str:
    """+3, -2, ±0 for a change in popularity or rank; +84,116 for a change in fans."""
    if _is_missing(value):
        return MISSING
    number = round(float(value))
    return "±0" if number == 0 else f"{number:+,d}"


def format_date(value: Any) -> str:
    """A date or an ISO string -> '25 Nov 2026'."""
    if _is_missing(value):
        return MISSING
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return f"{value.day} {value:%b %Y}"


def format_timestamp(value: Any) -> str:
    """'2026-11-25T06:10:00Z' -> '25 Nov 2026, 06:10 UTC'."""
    if _is_missing(value):
        return MISSING
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return f"{value.day} {value:%b %Y, %H:%M} UTC"


def format_age(then: Any, now: dt.datetime | None = None) -> str:
    """How long ago: 'just now', '5 min ago', '3 h ago', '2 days ago'."""
    if _is_missing(then):
        return MISSING
    if isinstance(then, str):
        then = dt.datetime.fromisoformat(then.replace("Z", "+00:00"))
    if isinstance(then, dt.date) and not isinstance(then, dt.datetime):
        then = dt.datetime.combine(then, dt.time(), tzinfo=dt.UTC)
    if then.tzinfo is None:
        then = then.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    seconds = (now - then).total_seconds()
    if seconds < 0:
        return "in the future"
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86400)
    return "1 day ago" if days == 1 else f"{days} days ago"


def format_list(value: Any) -> str:
    """A list of genres (or a string already) -> 'pop, synth-pop'."""
    if value is None:
        return MISSING
    if isinstance(value, str):
        return value or MISSING
    try:
        items = [str(item) for item in value if not _is_missing(item)]
    except TypeError:
        return MISSING if _is_missing(value) else str(value)
    return ", ".join(items) if items else MISSING
