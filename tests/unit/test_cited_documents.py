"""Every document the code, the tests, the templates and the README cite is in the repository
(docstrings once cited an api.md and a progress-rules.md that were not)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CITATION = re.compile(r"(?<![\w./-])((?:[\w.-]+/)*[\w-]+\.md)\b")


def _citing_files() -> list[Path]:
    sources = [
        *ROOT.glob("*.md"),
        *(ROOT / "docs").glob("*.md"),
        ROOT / "app.py",
        ROOT / "infra" / "template.yaml",
    ]
    for folder in ("chalicelib", "tests", "scripts", "bench"):
        sources += (ROOT / folder).rglob("*.py")
    return [path for path in sources if path.is_file()]


def _exists(cited: str, citing: Path) -> bool:
    if "/" in cited:
        return (ROOT / cited).exists() or (citing.parent / cited).exists()
    return any((folder / cited).exists() for folder in (ROOT, ROOT / "docs", citing.parent))


def test_every_cited_document_exists():
    missing = sorted(
        {
            f"{path.relative_to(ROOT)}: {cited}"
            for path in _citing_files()
            for cited in CITATION.findall(path.read_text(errors="replace"))
            if not _exists(cited, path)
        }
    )
    assert missing == []


def test_the_docs_pages_are_cited_where_they_apply():
    assert "docs/api.md" in (ROOT / "chalicelib" / "core" / "http.py").read_text()
    assert "docs/progress-rules.md" in (ROOT / "chalicelib" / "goals" / "progress.py").read_text()
