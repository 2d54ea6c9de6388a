"""Queries read a sort-key prefix as a key range (core/dynamo.sort_key_range with KEY_END),
never with begins_with: the same read on AWS, but DynamoDB Local answers begins_with by walking
the whole partition, so local figures and the bench would grow with the partition (the journal
label filters did: 4.8x slower at 10,000 entries with the same three items read)."""

import re
from pathlib import Path

CHALICELIB = Path(__file__).resolve().parents[2] / "chalicelib"


def test_no_query_sends_begins_with_as_its_key_condition():
    offenders = [
        f"{path.relative_to(CHALICELIB.parent)}:{number}"
        for path in sorted(CHALICELIB.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"""["'][^"']*begins_with\(SK""", line)
    ]
    assert not offenders, offenders
