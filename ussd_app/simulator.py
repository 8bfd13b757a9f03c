"""A feature phone in the terminal, talking to the real USSD webhook."""

from __future__ import annotations

import secrets
from typing import Callable

import click

ServiceCall = Callable[[dict], str]


def http_caller(url: str) -> ServiceCall:
    import requests

    def call(form: dict) -> str:
        response = requests.post(url, data=form, timeout=15)
        return response.text if response.ok else f"END (HTTP {response.status_code}) {response.text}"

    return call


def app_caller(app) -> ServiceCall:
    client = app.test_client()

    def call(form: dict) -> str:
        return client.post("/ussd", data=form).get_data(as_text=True)

    return call


def run(call: ServiceCall, phone: str, service_code: str = "*384*123#") -> None:
    click.echo(f"Dialling {service_code} from {phone}. Type your answer and Enter; Ctrl-D hangs up.")
    while True:
        session_id = "sim-" + secrets.token_hex(6)
        text = ""
        while True:
            answer = call({"sessionId": session_id, "serviceCode": service_code,
                           "phoneNumber": phone, "networkCode": "61002", "text": text})
            kind, _, screen = answer.partition(" ")
            click.echo("+" + "-" * 30 + "+")
            click.echo(screen)
            click.echo("+" + "-" * 30 + f"+ ({len(answer)} chars)")
            if kind != "CON":
                break
            try:
                key = input("> ")
            except EOFError:
                click.echo("\n(hung up)")
                break
            text = key if text == "" else f"{text}*{key}"
        try:
            again = click.confirm("Dial again?", default=True)
        except click.Abort:  # end of input (Ctrl-D or a script that ran out)
            again = False
        if not again:
            return
