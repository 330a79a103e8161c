"""The holiday calendar a business-day series closes on: a stock's trading days (NYSE, LSE,
Xetra, Shanghai ...) or a firm's working days (a country's public holidays).

Put on plain business days, a year of NYSE prices gets its nine or ten exchange holidays back as
missing rows, which the filler invents, and its future runs through Christmas and New Year's
Day. The calendar that explains the weekdays without a row is found among the `holidays`
package's exchange calendars and the main countries' public holidays: of those whose holidays
are (nearly) all missing from the series while its other working days (nearly) all have a row,
the one that accounts for most of what is missing.

    closed_on(missing, have, first, last)  ->  ("market", "NYSE") | ("country", "DE") | None
    dates(kind, code, first_year)          ->  its holidays from first_year to 2100 (for pandas)
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from typing import Any, Optional

# the exchanges of the `holidays` package, one code each (it lists aliases too)
MARKETS = ("NYSE", "LSE", "XETR", "ECB", "SSE", "SZSE", "JPX", "HKEX", "KRX", "NSE", "BSE", "TSX", "ASX", "SIX",
           "ENX", "B3", "BMV", "BIST", "SGX", "TWSE", "JSE", "NZX", "GPW", "BME", "BYMA", "BVC", "PSX", "XSAU", "CME", "IFEU")
# public holidays of the countries whose firms' data a forecaster most often has
COUNTRIES = ("US", "GB", "DE", "FR", "IT", "ES", "NL", "BE", "CH", "AT", "SE", "NO", "DK", "FI", "IE", "PL", "PT", "CZ",
             "CN", "JP", "KR", "IN", "AU", "NZ", "CA", "BR", "MX", "ZA", "SG", "HK", "TW", "TR", "SA", "AE", "IL", "RU")
LAST_YEAR = 2100
# the series has a row on at most this share of the calendar's holidays (a market open on one
# holiday the package lists is still that market), and lacks at most this share of its other
# working days (those are missing rows, put back): the holidays stand out from random gaps
OPEN_ON = 0.1
OTHER_MISSING = 0.1


def _calendar(kind: str, code: str, first: int, last: int) -> frozenset:
    """The calendar's holidays (datetime.date) from year `first` to `last`, read by decades once
    per process (a panel's series start in different years and share them)."""
    out: frozenset = frozenset()
    for decade in range(first // 10 * 10, last + 1, 10):
        out |= _decade(kind, code, decade)
    return frozenset(d for d in out if first <= d.year <= last)


@lru_cache(maxsize=4096)
def _decade(kind: str, code: str, start: int) -> frozenset:
    import holidays

    years = range(start, start + 10)
    with warnings.catch_warnings():  # "available only from 2001 to 2035": outside, it has none
        warnings.simplefilter("ignore")
        days = holidays.financial_holidays(code, years=years) if kind == "market" else holidays.country_holidays(code, years=years)
    return frozenset(days.keys())


@lru_cache(maxsize=64)
def dates(kind: str, code: str, first_year: int) -> tuple[Any, ...]:
    """Every holiday of the calendar from `first_year` to LAST_YEAR (datetime.date), sorted."""
    return tuple(sorted(_calendar(kind, code, first_year, LAST_YEAR)))


def closed_on(missing: Any, have: Any, first: Any, last: Any) -> Optional[tuple[str, str]]:
    """The calendar (kind, code) whose holidays explain `missing` (a DatetimeIndex of the
    working days between `first` and `last` without a row), `have` being the days with one; None
    when none does or too little is missing to tell (fewer than three days)."""
    if len(missing) < 3:
        return None
    lacking = set(missing.date)
    working = lacking | set(have.date)
    best: Optional[tuple[tuple[int, int], tuple[str, str]]] = None
    for kind, codes in (("market", MARKETS), ("country", COUNTRIES)):
        for code in codes:
            try:
                days = _calendar(kind, code, first.year, last.year) & working
            except (KeyError, NotImplementedError, AttributeError):  # not in this release of the package
                continue
            if len(days) < 3:
                continue
            explained = len(days & lacking)
            open_on = len(days) - explained
            other = len(working) - len(days)
            # a few months' data holds a handful of holidays: one of them open (a bank's call
            # centre on Good Friday) is allowed where three others are shut, which chance rarely does
            allowed = max(OPEN_ON * len(days), 1 if explained >= 3 else 0)
            if open_on <= allowed and len(lacking) - explained <= OTHER_MISSING * max(other, 1):
                # the one that explains most (a German firm: DE's holidays, not the ECB's fewer),
                # then the one open on fewest of its own holidays; on a tie the exchange, listed first
                if best is None or (explained, -open_on) > best[0]:
                    best = ((explained, -open_on), (kind, code))
                if explained == len(lacking) and not open_on:  # it explains every gap: none can do more
                    return kind, code
    return None if best is None else best[1]


__all__ = ["closed_on", "dates", "MARKETS", "COUNTRIES"]
