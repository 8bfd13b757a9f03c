"""The campaign form's live SMS counter gets the server's GSM-7 folding rules as data.

`ussd_app.text.gsm.to_gsm` decides per character with tables and with Unicode properties
(combining marks and format characters are dropped, other spaces become " "). The page's script
has the tables but not Python's Unicode database, so the code points those properties select are
sent as ranges: the script then folds every character exactly as the server will.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from functools import lru_cache

from ussd_app.text import gsm


def _ranges(selected) -> list[list[int]]:
    out: list[list[int]] = []
    for cp in range(sys.maxunicode + 1):
        if not selected(chr(cp)):
            continue
        if out and out[-1][1] == cp - 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return out


@lru_cache(maxsize=1)
def _tables_json() -> str:
    data = {"basic": "".join(sorted(gsm.GSM_BASIC)), "extension": "".join(sorted(gsm.GSM_EXTENSION)),
            "fold": gsm.fold_table(), "single": [gsm.GSM_SINGLE_PART, gsm.GSM_MULTI_PART],
            "ucs2": [gsm.UCS2_SINGLE_PART, gsm.UCS2_MULTI_PART],
            # The order gsm._fold_char asks in: dropped, then spaces, then the letter's base form
            # without its combining marks.
            "drop": _ranges(lambda ch: unicodedata.combining(ch) or unicodedata.category(ch) == "Cf"),
            "space": _ranges(str.isspace),
            "combining": _ranges(unicodedata.combining)}
    return json.dumps(data, ensure_ascii=True, separators=(",", ":"))


def gsm_tables() -> str:
    """The tables for the page, computed once per process: JSON for a data attribute, which the
    template escapes (no inline script)."""
    return _tables_json()
