"""Commands that feature modules add to `ussd-app` (they append here at import)."""

from __future__ import annotations

import click

FEATURE_COMMANDS: list[click.Command] = []


def feature_command(command: click.Command) -> click.Command:
    FEATURE_COMMANDS.append(command)
    return command
