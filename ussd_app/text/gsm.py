"""GSM 03.38 7-bit alphabet: fold text into it and count SMS parts.

Feature phones show USSD and SMS in this alphabet. One character outside it turns an SMS into
UCS-2 (70 characters a part instead of 160), so text is folded before it leaves the service.
Reference: 3GPP TS 23.038, section 6.2.1 (default alphabet and its extension table).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Characters of the extension table cost two septets (escape + code).
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")

# Bambara letters in the older official orthography (ɛ→è, ɔ→ò, ɲ→ny, ŋ→ng); capitals È/Ò are
# not GSM-7, hence E/O. French letters outside GSM-7 lose their accent; typography goes plain.
FOLD = {
    "ɛ": "è", "Ɛ": "E", "ɔ": "ò", "Ɔ": "O", "ɲ": "ny", "Ɲ": "Ny", "ŋ": "ng", "Ŋ": "Ng",
    "â": "a", "ê": "e", "î": "i", "ô": "o", "û": "u", "ç": "c", "ë": "e", "ï": "i", "ÿ": "y",
    "á": "a", "í": "i", "ó": "o", "ú": "u", "œ": "oe", "Œ": "OE",
    "À": "A", "Â": "A", "È": "E", "Ê": "E", "Ë": "E", "Î": "I", "Ï": "I", "Ô": "O", "Û": "U",
    "Ù": "U", "Ì": "I", "Ò": "O",
    "’": "'", "‘": "'", "ʼ": "'", "“": '"', "”": '"', "«": '"', "»": '"',
    "–": "-", "—": "-", "…": "...", "\u00a0": " ", "\u202f": " ", "\t": " ",
}

GSM_SINGLE_PART = 160
GSM_MULTI_PART = 153
UCS2_SINGLE_PART = 70
UCS2_MULTI_PART = 67


def _fold_char(ch: str) -> str:
    if ch in GSM_BASIC or ch in GSM_EXTENSION:
        return ch
    if ch in FOLD:
        return FOLD[ch]
    if unicodedata.combining(ch) or unicodedata.category(ch) == "Cf":
        return ""  # tone marks on Bambara vowels (ɛ̀), zero-width and soft-hyphen characters
    if ch.isspace():
        return " "
    # Anything else (tone marks, rare accents): keep the base letter if GSM-7 has it.
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    if base and all(c in GSM_BASIC for c in base):
        return base
    return "?"


def to_gsm(text: str) -> str:
    """Return `text` written only with GSM 03.38 characters."""
    text = unicodedata.normalize("NFC", text)
    if all(ch in GSM_BASIC for ch in text):
        return text
    return "".join(_fold_char(ch) for ch in text)


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
