"""The text of an entry: markup is not text, and extracting it is linear in the content's
length whatever the content (no backtracking: the scanner only moves forward)."""

import pytest

from chalicelib.journal import text


@pytest.mark.parametrize(
    "content, expected",
    [
        ("<p>Quiet day</p>", "Quiet day"),
        ("<h1>Big&nbsp;day</h1><script>var x = 1;</script><ul><li>one</li></ul>", "Big day one"),
        ("a<STYLE type='x'>p {}</style >b", "a b"),
        ("<scripted>kept</scripted>", "kept"),  # not a script element
        ("<script>never closed", "never closed"),  # an unclosed script is a plain tag
        ("1 < 2 and 3 > 2", "1 2"),
        ("x < y", "x < y"),  # no closing bracket: the rest is text
        ("a &lt;b&gt; c", "a <b> c"),
        ("", ""),
    ],
)
def test_plain_text(content, expected):
    assert text.plain_text(content) == expected


ADVERSARIAL = ["<", "<script", "<script>", "</script", "<style <", "<<>", "a<b", "</"]


@pytest.mark.parametrize("unit", ADVERSARIAL)
def test_extraction_work_grows_linearly(unit):
    """Work is counted in characters examined: within a constant of the length, so ten times
    the content is ten times the work (a backtracking pattern would be a hundred)."""
    work = []
    for repeat in (2_000, 20_000, 200_000 // len(unit)):
        content = unit * repeat
        scanner = text.Scanner(content)
        scanner.plain_text()
        assert scanner.steps <= 16 * len(content) + 16, (unit, repeat, scanner.steps)
        work.append(scanner.steps / len(content))
    assert max(work) <= 1.1 * min(work) + 1
