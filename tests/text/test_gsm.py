"""GSM 03.38 folding and SMS part counting (3GPP TS 23.038)."""

from __future__ import annotations

import pytest

from ussd_app.text.gsm import gsm_septets, is_gsm, sms_size, to_gsm


@pytest.mark.parametrize("source, folded", [
    ("ɛ", "è"), ("ɔ", "ò"), ("ɲ", "ny"), ("ŋ", "ng"),
    ("Ɛ", "E"), ("Ɔ", "O"), ("Ɲ", "Ny"), ("Ŋ", "Ng"),
    ("kɔnɔmaya", "kònòmaya"), ("Ɲɛ wɛrɛ tɛ yen.", "Nyè wèrè tè yen."), ("ŋaniya", "nganiya"),
    ("â ê î ô û ç", "a e i o u c"), ("Â Ê Î Ô Û", "A E I O U"), ("ë ï ÿ œ Œ", "e i y oe OE"),
    ("é è à ù", "é è à ù"), ("É Ç ñ Ñ ü ä ö ì ò", "É Ç ñ Ñ ü ä ö ì ò"),
    ("Réessayez", "Réessayez"), ("fenêtre", "fenetre"), ("garçon", "garcon"),
    ("l’enfant", "l'enfant"), ("‘a’", "'a'"), ("“oui”", '"oui"'), ("« non »", '" non "'),
    ("a – b — c", "a - b - c"), ("etc…", "etc..."), ("5\u00a0000\u202fFCFA", "5 000 FCFA"),
    ("ɛ̀ ɔ́", "è ò"),  # tone marks (combining accents) are dropped, the letter stays
    ("a\u200bb\u00adc", "abc"),  # zero-width space, soft hyphen
    ("ẽ ǹ", "e n"),  # other accents: the base letter
    ("日本", "??"),  # nothing to fold to
])
def test_folding(source, folded):
    assert to_gsm(source) == folded
    assert is_gsm(to_gsm(source))


def test_gsm_text_is_unchanged():
    text = "CON Menu principal\n1 Changer de langue\n0 Retour @£$¥"
    assert to_gsm(text) is text or to_gsm(text) == text
    assert is_gsm(text)


@pytest.mark.parametrize("text, gsm", [("abc", True), ("[x]", True), ("ɛ", False), ("ç", False),
                                       ("’", False), ("€", True), ("ê", False)])
def test_is_gsm(text, gsm):
    assert is_gsm(text) is gsm


def test_extension_characters_cost_two_septets():
    assert gsm_septets("abc") == 3
    assert gsm_septets("€") == 2
    assert gsm_septets("[a]{b}^~|\\") == 2 * 8 + 2


@pytest.mark.parametrize("text, encoding, units, parts", [
    ("", "GSM-7", 0, 1),
    ("a" * 160, "GSM-7", 160, 1),
    ("a" * 161, "GSM-7", 161, 2),
    ("a" * 306, "GSM-7", 306, 2),
    ("a" * 307, "GSM-7", 307, 3),
    ("€" * 80, "GSM-7", 160, 1),
    ("€" * 81, "GSM-7", 162, 2),
    ("a" * 159 + "[", "GSM-7", 161, 2),
    ("ɛ" * 70, "UCS-2", 70, 1),
    ("ɛ" * 71, "UCS-2", 71, 2),
    ("ɛ" * 134, "UCS-2", 134, 2),
    ("ɛ" * 135, "UCS-2", 135, 3),
    ("a" * 69 + "ç", "UCS-2", 70, 1),  # one character outside GSM-7 turns it all to UCS-2
    ("😀" * 35, "UCS-2", 70, 1),  # outside the BMP: two UTF-16 units each
    ("😀" * 36, "UCS-2", 72, 2),
])
def test_sms_parts(text, encoding, units, parts):
    size = sms_size(text)
    assert (size.encoding, size.units, size.parts) == (encoding, units, parts)


def test_folding_keeps_an_sms_in_one_gsm_part():
    bambara = "I ka kɔnɔmaya tɔbɔtɔli ɲɛnajɛ kɛ kɛnɛya so la. " * 3
    assert sms_size(bambara).encoding == "UCS-2" and sms_size(bambara).parts == 3
    assert sms_size(to_gsm(bambara)).encoding == "GSM-7" and sms_size(to_gsm(bambara)).parts == 1
