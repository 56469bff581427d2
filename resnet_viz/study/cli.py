"""The study's commands: depth-study, lesion-study, landscape."""

from __future__ import annotations


def register(commands) -> None:
    from . import command, landscape, lesions

    command.register(commands)
    lesions.register(commands)
    landscape.register(commands)
