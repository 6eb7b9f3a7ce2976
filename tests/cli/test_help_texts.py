"""``--help`` reads as plain text: no reStructuredText markup from docstrings reaches a terminal."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator

import pytest

from ramsts.cli import build_parser

MARKUP = re.compile(r"``|:(?:mod|func|class|meth|data|attr):`|\*\*")


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[str, ...]]:
    yield path
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _commands(child, (*path, name))


COMMANDS = sorted(set(_commands(build_parser())))


def test_every_command_group_is_checked() -> None:
    assert {path[0] for path in COMMANDS if path} >= {"serve", "call", "demo", "demo-iot"}


@pytest.mark.parametrize("command", COMMANDS, ids=lambda path: " ".join(path) or "ramsts")
def test_help_has_no_docstring_markup(
    command: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*command, "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("usage: ramsts")
    assert MARKUP.search(text) is None, text
