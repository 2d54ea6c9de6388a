"""The words of an entry: content is HTML from a rich-text editor, stored verbatim, and words
are counted (and searched) in its text, not its markup."""

import html
import re

_INVISIBLE = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def plain_text(content: str) -> str:
    without_tags = _TAG.sub(" ", _INVISIBLE.sub(" ", content))
    return " ".join(html.unescape(without_tags).split())


def word_count(content: str) -> int:
    return len(plain_text(content).split())
