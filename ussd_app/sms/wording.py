"""Reminder texts: neutral on a shared phone, personalised, dates written the local way.

Neutral means no diagnosis, no pregnancy named, no contraceptive method: whoever reads the
phone learns only that someone has a visit at a CSCom on a day.
"""

from __future__ import annotations

from datetime import date

from ussd_app.text import languages
from ussd_app.text.i18n import N_, T


def local_date(language: str, day: date) -> str:
    """"mardi 3 mars" in French, "tarata marisikalo tile 3" in Bambara: the language's own
    wording (ussd_app.text.languages)."""
    return languages.get(language).date(day)


# TRANSLATORS: Source: the visit date comes from Mali's routine immunization calendar (PEV) in
# ussd_app/health/data/calendar.toml, which cites a source for each dose; this text states no
# health fact of its own.
IMMUNIZATION = N_("Reminder: {child} has a vaccination visit at {facility} on {date}. "
                  "Bring the child's health card.")
# TRANSLATORS: Source: the visit date comes from the WHO antenatal care contacts (2016) in
# ussd_app/health/data/calendar.toml; neutral on purpose: no pregnancy is named on a shared phone.
ANTENATAL = N_("Reminder: you have a health visit at {facility} on {date}. Bring your health booklet.")
# TRANSLATORS: Source: WHO recommendations on maternal and newborn care for a positive postnatal
# experience, 2022 (NBK579653), Recommendation 44: the first postnatal contact within 24 hours of
# birth (ussd_app/health/postnatal.py).
POSTNATAL_FIRST = N_("Reminder: you and your newborn need a check-up at {facility} within 24 "
                     "hours of the birth. Go today.")
# TRANSLATORS: Source: WHO recommendations on maternal and newborn care for a positive postnatal
# experience, 2022 (NBK579653), Recommendation 44: contacts at 48-72 hours, days 7-14 and week 6
# (dates in ussd_app/health/postnatal.py).
POSTNATAL = N_("Reminder: check-up for you and your newborn at {facility} on {date}. Bring your "
               "health booklet.")
# TRANSLATORS: Source: WHO antenatal care recommendations (2016): the first contact by 12 weeks;
# sent when that date has passed with no contact recorded. Neutral: no pregnancy is named.
ANTENATAL_FIRST = N_("Reminder: come to {facility} for your first health visit, on {date} or soon "
                     "after. Bring your health booklet.")
# TRANSLATORS: Source: WHO, recommendations for interrupted or delayed routine immunization
# (Table 3, 2023): a late dose is still given, the series resumes without starting again.
# Sent once, a week after a visit that was not recorded. Gentle on purpose: no blame.
IMMUNIZATION_LATE = N_("{child} still has a vaccination to receive at {facility}. It is not too "
                       "late: come on a vaccination day with the health card.")
# TRANSLATORS: Source: WHO antenatal care recommendations (2016): eight contacts; a missed one
# is still worth making up. Sent once, a week after a visit that was not recorded; neutral.
ANTENATAL_LATE = N_("Your health visit at {facility} is still waiting for you. Come when you can, "
                    "with your health booklet.")
# TRANSLATORS: Source: the appointment the CSCom set; this text states no health fact of its own.
APPOINTMENT_BEFORE = N_("Reminder: you have an appointment at {facility} on {date}.")
# TRANSLATORS: Source: the appointment the CSCom set; this text states no health fact of its own.
APPOINTMENT_TODAY = N_("Reminder: your appointment at {facility} is today, {date}.")


def reminder_message(reminder) -> T:
    """The message for a reminder row, in its language (translated when the outbox row is made)."""
    params = {"facility": reminder.facility_name,
              "date": local_date(reminder.language, reminder.visit_date)}
    if is_overdue(reminder):
        if reminder.kind == "immunization":
            return T(IMMUNIZATION_LATE, {"facility": reminder.facility_name, "child": reminder.child_name or ""})
        return T(ANTENATAL_LATE, {"facility": reminder.facility_name})
    if reminder.step.startswith("anc-first"):
        return T(ANTENATAL_FIRST, params)
    if reminder.kind == "immunization":
        return T(IMMUNIZATION, dict(params, child=reminder.child_name or ""))
    if reminder.kind == "antenatal":
        return T(ANTENATAL, params)
    if reminder.kind == "postnatal":
        return T(POSTNATAL_FIRST if reminder.step == "pnc1" else POSTNATAL, params)
    if reminder.step == "day-0":
        return T(APPOINTMENT_TODAY, params)
    return T(APPOINTMENT_BEFORE, params)


def is_overdue(reminder) -> bool:
    return reminder.step.split("~")[0].endswith("-late")


# Short labels for the "My reminders" USSD screen.
VISIT_LABELS = {
    "immunization": N_("{date}: vaccination of {child}"),
    "antenatal": N_("{date}: health visit"),
    "appointment": N_("{date}: appointment"),
    "postnatal": N_("{date}: check-up after birth"),
}


def short_date(language: str, day: date) -> str:
    return languages.get(language).short_date(day)
