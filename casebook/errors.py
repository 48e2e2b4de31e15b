"""The CLI's error type and exit code, shared by the commands, the batch protocol and the app."""

from __future__ import annotations

from typing import Any

import click

EXIT_INPUT = 2  # bad input: a file that cannot be ingested, a bad question, a bad index


class CasebookError(click.ClickException):
    """A failure the user can act on: one line on stderr, exit code 2, no traceback."""

    exit_code = EXIT_INPUT

    def show(self, file: Any = None) -> None:
        click.echo(f"casebook: {self.format_message()}", err=True)
