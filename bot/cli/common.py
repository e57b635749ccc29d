"""What every ``chibo`` sub-command shares: the settings, read once per command, or one clear line and exit 2."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from bot.config import Settings


def settings_or_exit() -> Settings:
    from bot.config import SettingsError, load_settings

    try:
        return load_settings()
    except SettingsError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
