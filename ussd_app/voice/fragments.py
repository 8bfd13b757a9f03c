"""The fragment scheme: a message with variable parts plays as a sequence of recordings.

"Your child's vaccination visit is on" + Tuesday + 3 + March + "at" + CSCom of Sabalibougou
+ "Bring the child's health card." is played from six recordings, and every other date and
centre from the same short list: a recording per

- message part: `intro.<kind>`, `outro.<kind>`, `word.at` (the fixed words around the values);
- call prompt: `menu.repeat_or_stop` ("press 1 ... 2 ..."), `menu.stopped`, `menu.goodbye`;
- weekday: `weekday.0` (Monday) ... `weekday.6`; day of the month: `day.1` ... `day.31`; month:
  `month.1` ... `month.12` (Bambara records "tile 3" as `day.3`: a date reads weekday, month,
  day there, and weekday, day, month in French, as the SMS writes it);
- health centre: `facility.<slug of its name>` ("facility.cscom-de-sabalibougou").

Every key is recorded once per language. A message whose fragments are not all recorded in her
language goes by SMS (ussd_app/voice/routing.py); the dashboard lists what is missing. The child's
name is never spoken: a call is as neutral as the SMS on a shared phone.
"""

from __future__ import annotations

import re
from datetime import date

from ussd_app.text import languages
from ussd_app.text.i18n import N_, translate

# TRANSLATORS: Source: the visit date comes from Mali's routine immunization calendar (PEV) in
# ussd_app/sms/schedules.py; recorded, then followed by the date and the health centre.
INTRO_IMMUNIZATION = N_("Reminder: your child has a vaccination visit on")
# TRANSLATORS: Source: the WHO antenatal care contacts in ussd_app/sms/schedules.py; neutral on purpose.
INTRO_ANTENATAL = N_("Reminder: you have a health visit on")
# TRANSLATORS: Source: the appointment the CSCom set; recorded, then the date and the centre.
INTRO_APPOINTMENT = N_("Reminder: you have an appointment on")
# TRANSLATORS: Source: the appointment the CSCom set; recorded, then the date and the centre.
INTRO_APPOINTMENT_TODAY = N_("Reminder: your appointment is today,")
# TRANSLATORS: recorded between the date and the health centre's name ("... at CSCom of ...").
WORD_AT = N_("at the health centre:")
# TRANSLATORS: Source: the child's health card is brought to every vaccination (PEV).
OUTRO_IMMUNIZATION = N_("Bring the child's health card.")
# TRANSLATORS: Source: the antenatal booklet is brought to every visit (WHO ANC 2016).
OUTRO_ANTENATAL = N_("Bring your health booklet.")
MENU_REPEAT_OR_STOP = N_("Press 1 to hear this message again. Press 2 to stop these calls.")
MENU_STOPPED = N_("You will get no more calls. Your reminders will come by SMS. Goodbye.")
MENU_GOODBYE = N_("Goodbye.")

STATIC = {
    "intro.immunization": INTRO_IMMUNIZATION, "intro.antenatal": INTRO_ANTENATAL,
    "intro.appointment": INTRO_APPOINTMENT, "intro.appointment_today": INTRO_APPOINTMENT_TODAY,
    "word.at": WORD_AT, "outro.immunization": OUTRO_IMMUNIZATION, "outro.antenatal": OUTRO_ANTENATAL,
    "menu.repeat_or_stop": MENU_REPEAT_OR_STOP, "menu.stopped": MENU_STOPPED, "menu.goodbye": MENU_GOODBYE,
}
MENU = ("menu.repeat_or_stop", "menu.stopped", "menu.goodbye")  # every call needs these
KEY = re.compile(r"^[a-z_]+\.[a-z0-9_-]{1,80}$")


def facility_key(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")[:80]
    return f"facility.{slug or 'unnamed'}"


def date_keys(language: str, day: date) -> list[str]:
    weekday, month, number = f"weekday.{day.weekday()}", f"month.{day.month}", f"day.{day.day}"
    return [weekday, month, number] if language == "bm" else [weekday, number, month]


def reminder_script(reminder) -> list[str]:
    """The fragments a reminder plays (the same facts as its SMS, ussd_app.sms.wording)."""
    if reminder.kind == "immunization":
        intro, outro = "intro.immunization", ["outro.immunization"]
    elif reminder.kind == "antenatal":
        intro, outro = "intro.antenatal", ["outro.antenatal"]
    else:
        intro, outro = ("intro.appointment_today" if reminder.step == "day-0" else "intro.appointment"), []
    return [intro, *date_keys(reminder.language, reminder.visit_date), "word.at",
            facility_key(reminder.facility_name), *outro]


def call_fragments(script: list[str]) -> list[str]:
    """Everything a call with this script may play."""
    return list(dict.fromkeys([*script, *MENU]))


def all_keys(facility_names=()) -> list[str]:
    """Every fragment to record (for these health centres), in the dashboard's order."""
    return [*STATIC, *(f"weekday.{i}" for i in range(7)), *(f"day.{d}" for d in range(1, 32)),
            *(f"month.{m}" for m in range(1, 13)),
            *sorted({facility_key(n) for n in facility_names if n and n.strip()})]


def fragment_text(key: str, language: str, facility_names=()) -> str:
    """What the recording of `key` says in `language`, shown beside it in the dashboard."""
    group, _, value = key.partition(".")
    if key in STATIC:
        return translate(language, STATIC[key])
    if group == "weekday" and value.isdigit() and int(value) < 7:
        return languages.get(languages.or_default(language)).days[int(value)]
    if group == "month" and value.isdigit() and 1 <= int(value) <= 12:
        return languages.get(languages.or_default(language)).months[int(value) - 1]
    if group == "day" and value.isdigit():
        return f"tile {value}" if language == "bm" else value
    if group == "facility":
        for name in facility_names:
            if facility_key(name) == key:
                return name
        return value.replace("-", " ")
    return key
