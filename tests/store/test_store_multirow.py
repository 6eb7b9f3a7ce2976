"""The VALUES text of a batch: one placeholder per value, row by row; on PostgreSQL numbered
from $1 in the order the values are bound, so that psycopg can pass the text as it is."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from ramsts.store.multirow import values_text

sizes = st.integers(min_value=1, max_value=30)


@given(sizes, sizes)
def test_numbered_placeholders_run_from_one_in_the_order_of_the_values(
    width: int, rows: int
) -> None:
    text = values_text(width, rows, numbered=True)
    assert [int(n) for n in re.findall(r"\$(\d+)", text)] == list(range(1, width * rows + 1))
    assert text.count("(") == rows


@given(sizes, sizes)
def test_question_marks_are_one_a_value_in_rows_of_the_width(width: int, rows: int) -> None:
    text = values_text(width, rows, numbered=False)
    row = "(" + ", ".join(["?"] * width) + ")"
    assert text == ", ".join([row] * rows)
