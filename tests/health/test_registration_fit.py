"""Registration screens and SMS fit, for every shipped centre and the longest names allowed: each
screen on one page (no "98"), each "registration received" SMS in one GSM-7 part."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ussd_app.health import enrollment as enr
from ussd_app.menus import registry
from ussd_app.menus.registration import CONFIRM, DONE, EXISTS, MAX_NAME
from ussd_app.menus.render import paginate
from ussd_app.sms.outbox import render_sms
from ussd_app.text.gsm import sms_size
from ussd_app.text.i18n import LANGUAGES, T

FACILITIES = Path(enr.__file__).resolve().parent / "data" / "facilities.csv"
CENTRES = [row["name"] for row in csv.DictReader(FACILITIES.open(encoding="utf-8"))]
LONGEST_CENTRE = max(CENTRES, key=len)
LONGEST_CHILD = "Aminata-Kadidiatou Ramatoulaye"[:MAX_NAME]
REF = "K7M3QX"


class _Session:
    def __init__(self, lang: str, data: dict):
        self.lang, self.data = lang, data


def screens_for(centre: str) -> list[tuple[str, dict]]:
    return [
        (CONFIRM, {"kind": enr.PREGNANCY, "due": "2027-06-30", "centre_name": centre}),
        (CONFIRM, {"kind": enr.CHILD, "child": LONGEST_CHILD, "born": "2025-06-30",
                   "centre_name": centre}),
        (DONE, {"ref": REF, "centre_name": centre}),
        (EXISTS, {"ref": REF, "centre_name": centre, "status": enr.APPROVED}),
    ]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("centre", CENTRES)
def test_confirm_and_done_screens_fit_one_page(lang, centre):
    for screen_id, data in screens_for(centre):
        view = registry()[screen_id].view(None, _Session(lang, data))
        pages = paginate(lang, view, can_go_back=screen_id == CONFIRM)
        assert len(pages) == 1, (screen_id, pages)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("message, params", [
    (enr.SMS_RECEIVED_PREGNANCY, {}),
    (enr.SMS_RECEIVED_CHILD, {"name": LONGEST_CHILD}),
    (enr.SMS_APPROVED, {}),
    (enr.SMS_ENDED, {}),
], ids=["pregnancy", "child", "approved", "ended"])
def test_registration_sms_fit_one_part(lang, message, params):
    body = render_sms(lang, T(message, {"ref": REF, "centre": LONGEST_CENTRE, **params}))
    size = sms_size(body)
    assert (size.encoding, size.parts) == ("GSM-7", 1), (size, body)
