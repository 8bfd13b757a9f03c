"""Every USSD screen in a third language registered at run time (tests/text/pseudo.py).

Nothing in the menus may be tied to Bambara and French: with a language added to the list (its
catalog and one entry, no code), a new caller finds it in the first-dial menu and every screen
the walk of `test_screen_walk` reaches is shown in it, within 160 characters and in GSM-7 (its
Ɓ and Ɗ folded to B and D). The walk presses only the third language's number on the language
menus, so every state it expands is in that language.
"""

from __future__ import annotations

import dataclasses
import logging

import pytest

from tests.menus import test_screen_walk as screen_walk
from tests.menus.test_screen_walk import FRESH_PHONE, MAX_HOPS, Walk, set_language, walk_hooks
from tests.text import pseudo
from ussd_app.demo import load_demo
from ussd_app.menus.engine import CHOOSE_LANGUAGE
from ussd_app.menus.main import LanguageChoice
from ussd_app.menus.screens import Branch
from ussd_app.text.i18n import LANGUAGES


@pytest.fixture
def settings(settings):
    return dataclasses.replace(settings, session_ttl_seconds=3600)


class OneLanguageWalk(Walk):
    """On a language menu, only the pseudo-language's number (and the navigation keys)."""

    def keys_for(self, session):
        keys = super().keys_for(session)
        if isinstance(self.registry[session.screen], LanguageChoice):
            other = {str(i) for i, code in enumerate(LANGUAGES, 1) if code != pseudo.CODE}
            keys = [key for key in keys if key not in other]
        return keys


@pytest.mark.slow
def test_walk_every_screen_in_a_language_added_at_run_time(app, redis_client, caplog, tmp_path, monkeypatch):
    from ussd_app.menus import registry

    monkeypatch.setattr(screen_walk, "MAX_HOPS", 2 * MAX_HOPS)

    with pseudo.registered(tmp_path):
        load_demo(app.extensions["db_sessions"], app.extensions["clock"]())
        phones, answers = walk_hooks(app)
        caplog.set_level(logging.INFO)
        walk = OneLanguageWalk(app, app.test_client(), redis_client, registry(), answers, caplog)

        root = walk.dial(FRESH_PHONE)
        assert root is not None and root.state.screen == CHOOSE_LANGUAGE, walk.problems
        first = walk.call("walk-first-screen", FRESH_PHONE, "", "first dial")
        assert f"{len(LANGUAGES)} PSEUDO-FRANÇAIS" in first, first  # Ɗ folded to D, Ç is GSM-7
        walk.explore(root)
        # Twice: the first pass changes what the second finds (a PIN set, a roll-call taken,
        # reminders stopped), as the walk in two languages does with its second language.
        for _ in range(2):
            walk.expanded.clear()
            for phone in phones:
                set_language(app, phone, pseudo.CODE)
                root = walk.dial(phone)
                if root is not None:
                    walk.explore(root)
        for phone in [FRESH_PHONE] + phones:
            set_language(app, phone, pseudo.CODE)
            walk.visit_resume_offer(phone, pseudo.CODE)

    shown = {sid for sid, screen in walk.registry.screens.items() if not isinstance(screen, Branch)}
    missed = sorted(shown - walk.seen_screens)
    langs_seen = {s.lang for s in walk.expanded}
    report = (f"{walk.hops} hops, {len(walk.expanded)} states, {len(walk.seen_screens & shown)}/"
              f"{len(shown)} screens")
    print(report)
    assert not walk.problems, f"{len(walk.problems)} bad screens ({report}):\n\n" + \
        "\n\n".join(walk.problems[:40])
    assert langs_seen <= {None, pseudo.CODE} and pseudo.CODE in langs_seen, langs_seen
    assert walk.hops < screen_walk.MAX_HOPS, f"hop cap reached before the walk ended ({report})"
    assert not missed, f"screens never reached in the added language ({report}): {missed}"


def test_a_caller_of_unknown_language_reads_whole_lines_in_each_language_that_fits(tmp_path):
    from ussd_app.menus.host import UNAVAILABLE, end_answer
    from ussd_app.menus.render import SCREEN_LIMIT, text_of

    with pseudo.registered(tmp_path):
        answer = end_answer()
        every = [text_of(lang, UNAVAILABLE) for lang in LANGUAGES]
    lines = answer.removeprefix("END ").split("\n")
    assert len(answer) <= SCREEN_LIMIT and lines == every[:len(lines)], answer
