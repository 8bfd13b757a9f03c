"""The baseline: a Flask endpoint answering a constant CON screen, nothing else.

With BARE_REDIS_ROUND_TRIPS=N (and BARE_REDIS_URL) it also makes N Redis GETs per request
before answering: the cheapest possible state a USSD service could keep, which shows what the
Redis round trips alone cost on the machine, whatever the app does between them.
"""

import os

from flask import Flask, Response

SCREEN = "CON Menu principal\n1 Mon groupe\n2 Informations sante\n3 S'inscrire aux soins\n4 Changer de langue"


def create_app() -> Flask:
    app = Flask(__name__)
    round_trips = int(os.environ.get("BARE_REDIS_ROUND_TRIPS", "0"))
    client = None
    if round_trips:
        import redis

        client = redis.Redis.from_url(os.environ["BARE_REDIS_URL"])

    @app.post("/ussd")
    def ussd() -> Response:
        for _ in range(round_trips):
            client.get("bench:bare")
        return Response(SCREEN, content_type="text/plain; charset=utf-8")

    return app
