"""The reference: a hand-written USSD app as tutorials build one, to measure ours against.

Flask, the session in Redis (one GET before the menu, one SET after it), if/elif menus on the
last input. No lock, no replay cache, no database, no translation, no metrics, no deadline: what
a hop costs when it does nothing but answer. It walks the same inputs as `ussd_sessions.lua`
(language, then menus and back), so wrk drives both apps with the same script.
"""

import json
import os

import redis
from flask import Flask, Response, request

MAIN = "CON Menu principal\n1 Mon groupe\n2 Informations sante\n3 S'inscrire aux soins\n4 Changer de langue"
LANGUAGE = "CON Choisissez votre langue\n1 Bamanankan\n2 Francais"
GROUP = "CON Mon groupe\n1 Mon solde\n2 Cotiser\n0 Retour"
HEALTH = "CON Informations sante\n1 Grossesse\n2 Vaccins\n0 Retour"
BALANCE = "CON Votre solde: 12500 F\n0 Retour"
TTL_S = 300


def create_app() -> Flask:
    app = Flask(__name__)
    client = redis.Redis.from_url(os.environ.get("TUTORIAL_REDIS_URL", "redis://127.0.0.1:6379/14"))

    @app.post("/ussd")
    def ussd() -> Response:
        session_id = request.form.get("sessionId", "")
        text = request.form.get("text", "")
        key = f"tutorial:{session_id}"
        raw = client.get(key)
        state = json.loads(raw) if raw else {"screen": "lang", "history": []}
        choice = text.rsplit("*", 1)[-1] if text else ""
        screen = state["screen"]
        if text == "":
            state = {"screen": "lang", "history": []}
            reply = LANGUAGE
        elif choice == "00":
            state = {"screen": "main", "history": []}
            reply = MAIN
        elif choice == "0" and state["history"]:
            state["screen"] = state["history"].pop()
            reply = {"main": MAIN, "group": GROUP, "health": HEALTH}.get(state["screen"], MAIN)
        elif screen == "lang":
            state = {"screen": "main", "history": [], "lang": "fr" if choice == "2" else "bm"}
            reply = MAIN
        elif screen == "main" and choice == "1":
            state["history"].append("main")
            state["screen"] = "group"
            reply = GROUP
        elif screen == "main" and choice == "2":
            state["history"].append("main")
            state["screen"] = "health"
            reply = HEALTH
        elif screen == "group" and choice == "1":
            state["history"].append("group")
            state["screen"] = "balance"
            reply = BALANCE
        else:
            reply = {"main": MAIN, "group": GROUP, "health": HEALTH}.get(screen, MAIN)
        client.set(key, json.dumps(state), ex=TTL_S)
        return Response(reply, content_type="text/plain; charset=utf-8")

    return app
