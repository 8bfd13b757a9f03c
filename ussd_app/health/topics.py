"""Family planning and reproductive health information, in plain words.

Each topic is a title (a menu line) and a body shown on at most three USSD pages; the same body
is what "Send me this by SMS" sends, under a neutral heading, in at most two SMS parts. Every
statement says where it comes from: a `Source:` comment reaches translators and reviewers in the
catalogs. A fact that differs by place (a CSCom's prices, which CSComs give the malaria vaccine)
is never written here: it belongs to the data of that place.
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
    # spacing: at least 2 years after a birth, at least 6 months after a miscarriage); WHO technical
    # consultation on birth spacing, 2005.
    N_("Family planning lets you choose when to have a child. After a birth, wait at least 2 "
       "years before the next pregnancy: mother and baby are healthier. After a miscarriage, wait "
       "at least 6 months. The CSCom helps you choose a method."),
)

PILL = Topic(
    "pill",
    # TRANSLATORS: Source: WHO FP Global Handbook 2022, chapter 1 "Combined Oral Contraceptives"
    # (https://fphandbook.org/chapter-1-combined-oral-contraceptives).
    N_("Pill"),
    # TRANSLATORS: Source: WHO FP Global Handbook 2022, chapter 1 "Combined Oral Contraceptives",
    # "Managing Missed Pills" (missed 1 or 2: take one as soon as possible, then one a day; missed 3
    # or more: also a backup method such as condoms for 7 days); WHO Selected Practice
    # Recommendations for Contraceptive Use, 3rd ed. 2016 (missed COCs); side effects as in the
    # chapter.
    N_("Pill: take 1 every day. Missed one? Take it when you remember, then 1 a day as usual. "
       "Missed 3 or more: also use condoms for 7 days and ask the CSCom. At first: spotting, "
       "nausea or headache, which often ease. CSCom or pharmacy."),
)

INJECTABLE = Topic(
    "injectable",
    # TRANSLATORS: Source: WHO FP Global Handbook 2022, chapters 4 "Progestin-Only Injectables" and
    # 5 "Monthly Injectables".
    N_("Injection"),
    # TRANSLATORS: Source: WHO FP Global Handbook 2022, chapter 4 "Progestin-Only Injectables"
    # (https://fphandbook.org, "Planning the Next Injection": DMPA every 3 months (13 weeks), NET-EN
    # every 2 months; self-injection of DMPA-SC; irregular bleeding then no monthly bleeding; weight
    # gain; fertility returns later) and chapter 5 "Monthly Injectables" (every 4 weeks).
    N_("Injection (DMPA): every 3 months at the CSCom; some women learn to inject themselves. "
       "Other injections: ask when to come back. Common: irregular bleeding or no monthly "
       "bleeding, some weight gain. After stopping, a pregnancy can take a few months longer."),
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
    # Device". Never a word that means "sterile" (infertile): it feeds the commonest IUD myth.
    N_("IUD"),
    # TRANSLATORS: Source: WHO FP Global Handbook 2022, chapter "Copper-Bearing Intrauterine Device"
    # (up to 12 years, heavier and more painful monthly bleeding at first, removal at any time,
    # insertion within 48 hours after childbirth).
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
    # (a new one for every act, protection from HIV and other sexually transmitted infections).
    N_("Condom: use a new one every time, from the start to the end of sex. It also protects "
       "against HIV and other infections passed by sex. For men and for women. At the CSCom, "
       "pharmacies and shops."),
)

EMERGENCY = Topic(
    "emergency",
    # TRANSLATORS: Source: WHO FP Global Handbook 2022, chapter 3 "Emergency Contraceptive Pills"
    # (https://fphandbook.org/chapter-3-emergency-contraceptive-pills). An emergency pill, not a
    # "next-day" pill: it works up to 5 days after sex.
    N_("Emergency pill"),
    # TRANSLATORS: Source: WHO FP Global Handbook 2022, chapter 3 "Emergency Contraceptive Pills"
    # (up to 5 days, the sooner the better; does not disrupt a pregnancy; "Planning Ongoing
    # Contraception": no protection from later sex, start an ongoing method; the copper-bearing
    # IUD within 5 days as emergency contraception, chapter 10).
    N_("Emergency pill: after sex without protection, take it as soon as you can, within 5 days. "
       "It does not end or harm a pregnancy. It does not protect against later sex: start a "
       "regular method. A copper IUD put in within 5 days also works. CSCom or pharmacy."),
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
    # TRANSLATORS: Source: WHO SMART Guidelines, Antenatal care digital adaptation kit (2021),
    # decision table ANC.DT.01 "Danger signs" (https://build.fhir.org/ig/WorldHealthOrganization/
    # smart-anc/PlanDefinition-ANCDT01.html); WHO "Pregnancy, Childbirth, Postpartum and Newborn
    # Care" (PCPNC), 3rd ed. 2015, "Advise on danger signs".
    N_("Danger signs in pregnancy"),
    # TRANSLATORS: Source: WHO SMART Guidelines, Antenatal care digital adaptation kit (2021),
    # ANC.DT.01 "Danger signs" (value set ANC.B5.DE50-DE62: bleeding vaginally, convulsing, fever,
    # severe headache, visual disturbance, severe abdominal pain, severe vomiting, unconscious,
    # labour); WHO PCPNC 3rd ed. 2015, "Advise on danger signs" (fast or difficult breathing, waters
    # breaking) and "Is the baby moving?". Any fever: in a malaria area it needs care at once.
    N_("Pregnant? Go to the CSCom NOW if: bleeding, fits, fainting, strong headache or blurred "
       "sight, fever, strong belly pain, vomiting a lot, hard breathing, water breaks, or the baby "
       "moves less. Do not wait."),
)

ANTENATAL = Topic(
    "antenatal",
    # TRANSLATORS: Source: WHO recommendations on antenatal care for a positive pregnancy
    # experience, 2016 (eight contacts, first by 12 weeks).
    N_("Antenatal visits"),
    # TRANSLATORS: Source: WHO recommendations on antenatal care for a positive pregnancy
    # experience, 2016: at least 8 contacts in all, the first by 12 weeks, then 20, 26, 30, 34, 36,
    # 38, 40 weeks (8 in all, not 9); daily iron and folic acid; tetanus vaccination; malaria
    # prevention (IPTp-SP, bed nets). Also WHO SMART ANC kit, ANC.S.01 "Contact schedule".
    N_("Pregnant? Go to the CSCom before 3 months (12 weeks) for the first of at least 8 visits, "
       "then at weeks 20, 26, 30, 34, 36, 38 and 40. You get checks, iron and folic acid, the "
       "tetanus vaccine and malaria prevention."),
)

POSTNATAL = Topic(
    "postnatal",
    # TRANSLATORS: Source: WHO recommendations on maternal and newborn care for a positive
    # postnatal experience, 2022, Recommendation 44 (at least four postnatal contacts).
    N_("Check-ups after birth"),
    # TRANSLATORS: Source: WHO recommendations on maternal and newborn care for a positive
    # postnatal experience, 2022 (NCBI Bookshelf NBK579653, ch. 4): Recommendation 44, at least four
    # postnatal contacts, the first within 24 hours of birth, then 48-72 hours, days 7-14 and week
    # 6; the FP Global Handbook 2022, ch. 24 "After Childbirth" (https://fphandbook.org/after-
    # childbirth) and the 2013 guideline say "day 3", inside "day 2-3". Danger signs: WHO PCPNC 3rd
    # ed. 2015, "Advise on danger signs" (mother: bleeding increased, fits, fever, severe headache
    # with blurred vision, fast or difficult breathing; newborn: not feeding, fits, fever, feels
    # cold, difficult breathing) and the 2022 guideline's newborn danger signs.
    N_("After a birth, mother and baby need 4 check-ups: day 1, day 2-3, days 7-14, week 6. Go "
       "to the CSCom NOW if either has fits, fever or hard breathing; if the mother bleeds a lot "
       "or has a strong headache; if the baby feeds badly or is cold."),
)

POSTPARTUM = Topic(
    "postpartum",
    # TRANSLATORS: Source: WHO FP Global Handbook 2022, chapter "Maternal and Newborn Health"
    # (postpartum women) and the "When to start" sections of each method.
    N_("Family planning after birth"),
    # TRANSLATORS: Source: WHO FP Global Handbook 2022, chapter "Maternal and Newborn Health" and
    # "When to start" sections (breastfeeding: implant and progestin-only pills any time; IUD within
    # 48 hours or from 4 weeks; injectable from 6 weeks; combined pills from 6 months).
    N_("After a birth you can get pregnant before your periods come back. If you breastfeed: "
       "implant or mini-pill any time, IUD in 2 days or from 4 weeks, injection from 6 weeks, "
       "combined pill from 6 months."),
)

FREE = Topic(
    "free",
    # TRANSLATORS: Source: Mali: routine vaccination (PEV); decree 05-350/P-RM of 4 August 2005 on
    # free caesarean section; free malaria care for children under 5 and pregnant women (2007).
    N_("Free services"),
    # TRANSLATORS: Source: Mali, decree 05-350/P-RM of 4 August 2005 "relatif à la prise en charge
    # gratuite de la césarienne", article 2: public hospitals, the reference health centres of the
    # districts and of Bamako's communes (CSRéf) and army health services (Ministry of Health
    # site archive, http://mail.cnom.sante.gov.ml/sauvanciensitewwwsante/, article id=406); free
    # routine vaccination (PEV); free malaria treatment for children under 5 and pregnant women,
    # SP prevention and bed nets in pregnancy, in public and community health centres (Council of
    # Ministers, March 2007, reported by L'Essor and afribone.com). A CSCom's own prices differ by
    # CSCom: the text sends her to ask and promises nothing.
    N_("Free: vaccines for children; caesarean births in public hospitals and district reference "
       "centres (CSRef); malaria care for pregnant women and children under 5. Ask your CSCom "
       "the price of its care."),
)

METHODS = (PILL, INJECTABLE, IMPLANT, IUD, CONDOM, EMERGENCY, LAM)
GENERAL = (SPACING, MYTHS, DANGER, ANTENATAL, POSTNATAL, POSTPARTUM, FREE)
ALL = (SPACING, *METHODS, MYTHS, DANGER, ANTENATAL, POSTNATAL, POSTPARTUM, FREE)
BY_KEY = {t.key: t for t in ALL}
