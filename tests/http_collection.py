"""docs/new-user-journey.http, read the way VS Code's REST Client reads it: file variables
(`@name = value`), requests separated by `###`, `# @name` on a request, and `{{...}}` that
names a file variable or an earlier answer (`{{login.response.body.$.accessToken}}`)."""

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.helpers import ROOT

COLLECTION = ROOT / "docs" / "new-user-journey.http"
_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")
_VARIABLE = re.compile(r"\{\{\s*([^}]+?)\s*\}\}")
_ANSWER = re.compile(r"^(\w+)\.response\.body\.\$\.(\w+)$")


@dataclass
class Block:
    """One `###` section: a request, or a note when it has no request line."""

    comments: list[str] = field(default_factory=list)
    name: str | None = None
    method: str | None = None
    url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""


def parse(path: Path = COLLECTION) -> tuple[dict[str, str], list[Block]]:
    """The file variables and the blocks, in order."""
    variables: dict[str, str] = {}
    blocks: list[Block] = []
    current: Block | None = None
    in_body = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("###"):
            current, in_body = Block(comments=[line[3:].strip()]), False
            blocks.append(current)
        elif current is None or (current.method is None and line.startswith("@")):
            assignment = re.match(r"^@(\w+)\s*=\s*(.*)$", line)
            if assignment:
                variables[assignment[1]] = assignment[2].strip()
        elif in_body:
            current.body += line + "\n"
        else:
            in_body = _read_head_line(current, line)
    for block in blocks:
        block.body = block.body.strip()
    return variables, blocks


def _read_head_line(block: Block, line: str) -> bool:
    """A comment, the request line or a header of `block`; True for the blank line that ends
    the headers (the body follows)."""
    if line.startswith(("#", "//")):
        named = re.match(r"^#\s*@name\s+(\w+)", line)
        if named:
            block.name = named[1]
        block.comments.append(line.lstrip("#/ "))
    elif block.method is None and line.split(" ", 1)[0] in _METHODS:
        block.method, block.url = line.split()[:2]
    elif block.method is not None and not line.strip():
        return True
    elif block.method is not None:
        key, value = line.split(":", 1)
        block.headers[key.strip()] = value.strip()
    return False


def substitute(text: str, variables: Mapping[str, str], answer: Callable[[str, str], Any]) -> str:
    """Every `{{...}}` replaced: a file variable (itself substituted), or a field of an earlier
    named request's answer, asked of `answer(request name, field)`."""

    def value(match: re.Match[str]) -> str:
        name = match[1]
        if name in variables:
            return substitute(variables[name], variables, answer)
        found = _ANSWER.match(name)
        if found is None:
            raise KeyError(f"unknown variable {{{{{name}}}}}")
        return str(answer(found[1], found[2]))

    return _VARIABLE.sub(value, text)


def json_body(block: Block, variables: Mapping[str, str], answer: Callable[[str, str], Any]) -> Any:
    return json.loads(substitute(block.body, variables, answer)) if block.body else None
