"""The baseline: a Flask endpoint answering a constant CON screen, nothing else."""

from flask import Flask, Response

SCREEN = "CON Menu principal\n1 Mon groupe\n2 Informations sante\n3 S'inscrire aux soins\n4 Changer de langue"


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/ussd")
    def ussd() -> Response:
        return Response(SCREEN, content_type="text/plain; charset=utf-8")

    return app
