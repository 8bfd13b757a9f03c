"""Family planning and reproductive health information, in plain words.

Each topic is a title (a menu line) and a body shown on at most three USSD pages; the same body
is what "Send me this by SMS" sends, under a neutral heading. Sources are given to translators
(and reviewers) as `Source:` comments in the catalogs.
"""

from __future__ import annotations

from dataclasses import dataclass

from ussd_app.text.i18n import N_


@dataclass(frozen=True)
class Topic:
    key: str
    title: str  # msgid
    body: str  # msgid


# The first line of an SMS shows on a locked phone: it names no method and no pregnancy.
SMS_HEADING = N_("Information:")  # short: a topic and its heading fit two SMS parts

SPACING = Topic(
    "spacing",
    # TRANSLATORS: Source: WHO FP Global Handbook 2022, chapter "Maternal and Newborn Health" (birth
    # spacing); WHO technical consultation on birth spacing, 2005.
    N_("Family planning and spacing"),
    # TRANSLATORS: Source: WHO FP Global Handbook 2022, chapter "Maternal and Newborn Health" (birth
    # spacing); WHO technical consultation on birth spacing, 2005.
    N_("Family planning lets you choose when to have a child. After a birth, wait at least 2 "
       "years before the next pregnancy: mother and baby are healthier. After a miscarriage, wait "
       "at least 6 months. The CSCom helps you choose a method."),
)

PILL = Topic(
    "pill",
    # TRANSLATORS: Source: WHO FP Global Handbook 2022, chapter "Combined Oral Contraceptives".
    N_("Pill"),
    # TRANSLATORS: Source: WHO FP Global Handbook 2022, chapter "Combined Oral Contraceptives" (how
    # to take, side effects, where).
    N_("Pill: take 1 pill every day. It protects only while you take it every day. At first: "
       "spotting, nausea, headache or sore breasts, which often ease after a few months. If you "
       "miss pills, ask. At the CSCom, a health worker or a pharmacy."),
)

INJECTABLE = Topic(
    "injectable",
    # TRANSLATORS: Source: WHO FP Global Handbook 2022, chapters "Progestin-Only Injectables" and
    # "Monthly Injectables".
    N_("Injection"),
    # TRANSLATORS: Source: WHO FP Global Handbook 2022, chapter "Progestin-Only Injectables" (DMPA
    # every 3 months, self-injection, side effects, return of fertility).
    N_("Injection: every 3 months at the CSCom; some women learn to inject themselves. Common: "
       "irregular bleeding or no monthly bleeding, some weight gain. After stopping, a pregnancy "
       "can take a few months longer to come."),
)

IMPLANT = Topic(
    "implant",
    # TRANSLATORS: Source: WHO FP Global Handbook 2022, chapter "Implants".
    N_("Implant"),
    # TRANSLATORS: Source: WHO FP Global Handbook 2022, chapter "Implants" (placement, 3 to 5 years
    # by type, bleeding changes, removal).
    N_("Implant: 1 or 2 small rods put under the skin of the arm by a trained provider at the "
       "CSCom. Protects 3 to 5 years, by type. Common: irregular bleeding or none. Removed when "
       "you want; you can get pregnant again soon after."),
)

IUD = Topic(
    "iud",
    # TRANSLATORS: Source: WHO FP Global Handbook 2022, chapter "Copper-Bearing Intrauterine
    # Device".
    N_("IUD"),
    # TRANSLATORS: Source: WHO FP Global Handbook 2022, chapter "Copper-Bearing Intrauterine Device"
    # (up to 12 years, side effects, postpartum insertion).
    N_("IUD: a small copper device put in the womb by a trained provider at the CSCom. Protects up "
       "to 12 years. Common: heavier periods and cramps, mostly the first months. Removed when you "
       "want. Can be put in within 2 days after a birth."),
)

CONDOM = Topic(
    "condom",
    # TRANSLATORS: Source: WHO FP Global Handbook 2022, chapters "Male Condoms" and "Female
    # Condoms".
    N_("Condom"),
    # TRANSLATORS: Source: WHO FP Global Handbook 2022, chapters "Male Condoms" and "Female Condoms"
    # (every act, protection from STIs and HIV).
    N_("Condom: use a new one every time, from the start to the end of sex. It also protects "
       "against HIV and other infections passed by sex. For men and for women. At the CSCom, "
       "pharmacies and shops."),
)

EMERGENCY = Topic(
    "emergency",
    # TRANSLATORS: Source: WHO FP Global Handbook 2022, chapter "Emergency Contraceptive Pills".
    N_("Emergency pill"),
    # TRANSLATORS: Source: WHO FP Global Handbook 2022, chapter "Emergency Contraceptive Pills" (up
    # to 5 days, does not end a pregnancy, copper IUD as emergency method).
    N_("Emergency pill: after sex without protection, take it as soon as you can, within 5 days. "
       "It does not end or harm a pregnancy. Possible: nausea, bleeding changes. A copper IUD in 5 "
       "days also works. CSCom or pharmacy."),
)

LAM = Topic(
    "lam",
    # TRANSLATORS: Source: WHO FP Global Handbook 2022, chapter "Lactational Amenorrhea Method".
    N_("Breastfeeding method"),
    # TRANSLATORS: Source: WHO FP Global Handbook 2022, chapter "Lactational Amenorrhea Method" (the
    # three conditions).
    N_("Breastfeeding method: it protects only if all 3 are true: baby under 6 months, you "
       "breastfeed day and night and give almost nothing else, and your monthly bleeding has not "
       "come back. If one stops, start another method."),
)

MYTHS = Topic(
    "myths",
    # TRANSLATORS: Source: WHO FP Global Handbook 2022, "Correcting misunderstandings" sections of
    # the chapters on pills, injectables, implants and IUDs.
    N_("Myths and truths"),
    # TRANSLATORS: Source: WHO FP Global Handbook 2022, "Correcting misunderstandings" sections of
    # the chapters on pills, injectables, implants and IUDs.
    N_("Truth: methods do not stop you having children later (after the injection it can take "
       "a few months). The implant and IUD do not move in the body. Pills do not collect in the "
       "belly. Methods do not harm future babies."),
)

DANGER = Topic(
    "danger",
    # TRANSLATORS: Source: WHO "Pregnancy, Childbirth, Postpartum and Newborn Care" (PCPNC), 3rd ed.
    # 2015, "Advise on danger signs".
    N_("Danger signs in pregnancy"),
    # TRANSLATORS: Source: WHO "Pregnancy, Childbirth, Postpartum and Newborn Care" (PCPNC), 3rd ed.
    # 2015, "Advise on danger signs".
    N_("Pregnant? Go to the CSCom NOW if: bleeding, fits, strong headache or blurred sight, "
       "fever with weakness, strong belly pain, hard breathing, water breaks, or the baby moves "
       "less. Do not wait."),
)

ANTENATAL = Topic(
    "antenatal",
    # TRANSLATORS: Source: WHO recommendations on antenatal care for a positive pregnancy
    # experience, 2016 (eight contacts, first by 12 weeks).
    N_("Antenatal visits"),
    # TRANSLATORS: Source: WHO recommendations on antenatal care for a positive pregnancy
    # experience, 2016: at least 8 contacts (12, 20, 26, 30, 34, 36, 38, 40 weeks); daily iron and
    # folic acid; tetanus vaccination; malaria prevention (IPTp-SP, bed nets).
    N_("Pregnant? Go to the CSCom before 3 months (12 weeks), then at least 8 visits in all: weeks "
       "20, 26, 30, 34, 36, 38 and 40. You get checks, iron and folic acid, the tetanus vaccine and "
       "malaria prevention."),
)

POSTPARTUM = Topic(
    "postpartum",
    # TRANSLATORS: Source: WHO FP Global Handbook 2022, chapter "Maternal and Newborn Health"
    # (postpartum women) and the "When to start" sections of each method.
    N_("After childbirth"),
    # TRANSLATORS: Source: WHO FP Global Handbook 2022, chapter "Maternal and Newborn Health" and
    # "When to start" sections (breastfeeding: implant and progestin-only pills any time; IUD within
    # 48 hours or from 4 weeks; injectable from 6 weeks; combined pills from 6 months).
    N_("After a birth you can get pregnant before your periods come back. If you breastfeed: "
       "implant or mini-pill any time, IUD in 2 days or from 4 weeks, injection from 6 weeks, "
       "combined pill from 6 months."),
)

FREE = Topic(
    "free",
    # TRANSLATORS: Source: Mali Ministry of Health: free routine vaccination (PEV); free caesarean
    # section (decree 05-350 of 2005); free malaria care for children under 5 and pregnant women
    # (2007).
    N_("Free services"),
    # TRANSLATORS: Source: Mali Ministry of Health: free routine vaccination (PEV); free caesarean
    # section (decree 05-350 of 2005); free malaria care for children under 5 and pregnant women
    # (2007).
    N_("Free: vaccines for children, caesarean births in public hospitals, malaria care for "
       "pregnant women and children under 5. Register for care in this service: partner CSComs "
       "then treat you free or for less."),
)

METHODS = (PILL, INJECTABLE, IMPLANT, IUD, CONDOM, EMERGENCY, LAM)
GENERAL = (SPACING, MYTHS, DANGER, ANTENATAL, POSTPARTUM, FREE)
ALL = (SPACING, *METHODS, MYTHS, DANGER, ANTENATAL, POSTPARTUM, FREE)
BY_KEY = {t.key: t for t in ALL}
