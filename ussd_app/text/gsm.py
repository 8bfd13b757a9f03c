"""GSM 03.38 7-bit alphabet: fold text into it and count SMS parts.

Feature phones show USSD and SMS in this alphabet. One character outside it turns an SMS into
UCS-2 (70 characters a part instead of 160), so text is folded before it leaves the service.
Reference: 3GPP TS 23.038, section 6.2.1 (default alphabet and its extension table).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from ussd_app.text import languages

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Characters of the extension table cost two septets (escape + code).
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")

# Letters of no particular language: French letters outside GSM-7 lose their accent, typography
# goes plain, and letters of West African alphabets get their nearest Latin form. A language's own
# table (ussd_app.text.languages, e.g. Bambara ɛ→è) comes before this one.
GENERIC_FOLD = {
    "â": "a", "ê": "e", "î": "i", "ô": "o", "û": "u", "ç": "c", "ë": "e", "ï": "i", "ÿ": "y",
    "á": "a", "í": "i", "ó": "o", "ú": "u", "œ": "oe", "Œ": "OE",
    "À": "A", "Â": "A", "È": "E", "Ê": "E", "Ë": "E", "Î": "I", "Ï": "I", "Ô": "O", "Û": "U",
    "Ù": "U", "Ì": "I", "Ò": "O",
    "ɛ": "e", "Ɛ": "E", "ɔ": "o", "Ɔ": "O", "ɲ": "ny", "Ɲ": "Ny", "ŋ": "ng", "Ŋ": "Ng",
    "ə": "e", "Ə": "E", "ǝ": "e", "Ǝ": "E", "ɣ": "g", "Ɣ": "G", "ʒ": "j", "Ʒ": "J",
    "’": "'", "‘": "'", "ʼ": "'", "“": '"', "”": '"', "«": '"', "»": '"',
    "–": "-", "—": "-", "…": "...", "\u00a0": " ", "\u202f": " ", "\t": " ",
}
# "LATIN SMALL LETTER B WITH HOOK" (ɓ) -> "b": hooked and barred letters (ɓ ɗ ƴ ƙ ɨ ʉ ...) that
# Unicode does not decompose, in the Latin Extended blocks.
_HOOKED = re.compile(r"^LATIN (SMALL|CAPITAL) LETTER ([A-Z]) WITH ")
_LATIN_EXTENDED = ((0x0100, 0x024F), (0x0250, 0x02AF), (0x1E00, 0x1EFF), (0x2C60, 0x2C7F),
                   (0xA720, 0xA7FF))


def _base_letter(ch: str) -> str:
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    return base if base and all(c in GSM_BASIC for c in base) else ""


def _named_bases() -> dict[str, str]:
    out = {}
    for first, last in _LATIN_EXTENDED:
        for cp in range(first, last + 1):
            ch = chr(cp)
            match = _HOOKED.match(unicodedata.name(ch, ""))
            if match and not _base_letter(ch):
                letter = match.group(2)
                out[ch] = letter.lower() if match.group(1) == "SMALL" else letter
    return out


NAMED_BASES = _named_bases()
_tables: dict = {}


def fold_table(language: str | None = None) -> dict[str, str]:
    """Character -> GSM-7 form: `language`'s own letters first, then every configured
    language's (in list order), then the generic letters."""
    key = (id(languages.ALL), language)
    cached = _tables.get(key)
    if cached is not None and cached[0] is languages.ALL:
        return cached[1]
    table = {**NAMED_BASES, **GENERIC_FOLD}
    for lang in reversed(languages.ALL):
        table.update(lang.gsm_fold)
    own = languages.by_code(language)
    if own is not None:
        table.update(own.gsm_fold)
    _tables[key] = (languages.ALL, table)
    return table


GSM_SINGLE_PART = 160
GSM_MULTI_PART = 153
UCS2_SINGLE_PART = 70
UCS2_MULTI_PART = 67


def _fold_char(ch: str, fold: dict[str, str] | None = None) -> str:
    if ch in GSM_BASIC or ch in GSM_EXTENSION:
        return ch
    fold = fold_table() if fold is None else fold
    if ch in fold:
        return fold[ch]
    if unicodedata.combining(ch) or unicodedata.category(ch) == "Cf":
        return ""  # tone marks on Bambara vowels (ɛ̀), zero-width and soft-hyphen characters
    if ch.isspace():
        return " "
    # Anything else (tone marks, rare accents): keep the base letter if GSM-7 has it.
    return _base_letter(ch) or "?"


def to_gsm(text: str, language: str | None = None) -> str:
    """Return `text` written only with GSM 03.38 characters (the way `language`'s readers
    write their letters, when given)."""
    text = unicodedata.normalize("NFC", text)
    if all(ch in GSM_BASIC for ch in text):
        return text
    fold = fold_table(language)
    return "".join(_fold_char(ch, fold) for ch in text)


def is_gsm(text: str) -> bool:
    return all(ch in GSM_BASIC or ch in GSM_EXTENSION for ch in text)


def gsm_septets(text: str) -> int:
    return sum(2 if ch in GSM_EXTENSION else 1 for ch in text)


@dataclass(frozen=True)
class SmsSize:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    parts: int


def sms_size(text: str) -> SmsSize:
    if is_gsm(text):
        units = gsm_septets(text)
        single, multi, encoding = GSM_SINGLE_PART, GSM_MULTI_PART, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = UCS2_SINGLE_PART, UCS2_MULTI_PART, "UCS-2"
    parts = 1 if units <= single else math.ceil(units / multi)
    return SmsSize(encoding, units, parts)
