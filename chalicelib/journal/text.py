"""The words of an entry: content is HTML from a rich-text editor, stored verbatim, and words
are counted (and searched) in its text, not its markup.

Extraction is one forward pass, so its work is linear in the content's length whatever the
content (a regular expression over `<` with no `>`, or an unclosed `<script>`, backtracks
quadratically). A tag runs from `<` to the next `>`; a `<` with no `>` after it is text;
`script` and `style` elements are dropped with what they hold when they are closed.
"""

import html

_INVISIBLE = ("script", "style")


class Scanner:
    """One pass over `content`; `steps` counts the characters examined (tests bound it)."""

    def __init__(self, content: str) -> None:
        self.content = content
        self.steps = 0

    def _find(self, wanted: str, start: int) -> int:
        found = self.content.find(wanted, start)
        self.steps += (len(self.content) if found < 0 else found + len(wanted)) - start
        return found

    def _closers(self) -> dict[str, list[tuple[int, int]]]:
        """Where each `</script\\s*>` and `</style\\s*>` starts and ends, in order: one pass
        over the `</` in the content."""
        content = self.content
        closers: dict[str, list[tuple[int, int]]] = {name: [] for name in _INVISIBLE}
        at = self._find("</", 0)
        while at >= 0:
            after = at + 2
            for name in _INVISIBLE:
                if content[after : after + len(name)].lower() == name:
                    end = after + len(name)
                    while end < len(content) and content[end].isspace():
                        end += 1
                    self.steps += end - after
                    if end < len(content) and content[end] == ">":
                        closers[name].append((at, end + 1))
            at = self._find("</", after)
        return closers

    def _invisible_at(self, start: int) -> str | None:
        """The element name when `<` at `start` opens a script or style element."""
        after = start + 1
        for name in _INVISIBLE:
            end = after + len(name)
            self.steps += len(name)
            if self.content[after:end].lower() == name and (
                end == len(self.content) or not _is_word(self.content[end])
            ):
                return name
        return None

    def plain_text(self) -> str:
        content = self.content
        last_close = content.rfind(">")
        self.steps += len(content) - max(last_close, 0)
        closers = self._closers()
        next_closer = dict.fromkeys(_INVISIBLE, 0)  # openers come in order: pointers only move
        parts: list[str] = []
        position = 0
        while position < len(content):
            start = self._find("<", position)
            if start < 0 or start > last_close:
                parts.append(content[position:])
                break
            parts.append(content[position:start])
            parts.append(" ")
            name = self._invisible_at(start)
            if name:
                candidates = closers[name]
                index = next_closer[name]
                while index < len(candidates) and candidates[index][0] <= start + len(name):
                    index += 1
                    self.steps += 1
                next_closer[name] = index
                if index < len(candidates):
                    position = candidates[index][1]
                    continue
            position = self._find(">", start) + 1
        return " ".join(html.unescape("".join(parts)).split())


def _is_word(character: str) -> bool:
    return character.isalnum() or character == "_"


def plain_text(content: str) -> str:
    return Scanner(content).plain_text()
