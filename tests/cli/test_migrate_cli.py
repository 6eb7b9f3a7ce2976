"""``ramsts migrate``: brings a database's schema up to date as a step of its own, and shows the
URL without its password."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from ramsts.cli import main
from ramsts.store.migrate import head_revision


def test_a_new_sqlite_file_gets_the_newest_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'ramsts.db'}"
    assert main(["migrate", "--db", url]) == 0
    assert f"at schema revision {head_revision()}" in capsys.readouterr().out
    engine = sa.create_engine(url)
    try:
        assert "users" in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_the_url_is_printed_without_its_password(
    empty_postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The test server trusts loopback connections: the password is there only to be hidden.
    url = make_url(empty_postgres_url).set(password="hunter2").render_as_string(False)
    assert main(["migrate", "--db", url]) == 0
    printed = capsys.readouterr()
    assert "hunter2" not in printed.out + printed.err
    assert ":***@" in printed.out


def test_a_database_that_cannot_be_reached_exits_1_saying_why(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["migrate", "--db", "postgresql://ramsts:hunter2@127.0.0.1:1,127.0.0.1:2/r"]) == 1
    printed = capsys.readouterr().err
    assert printed.startswith("ServiceUnavailable: ")
    assert "hunter2" not in printed
