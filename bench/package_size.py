"""The Lambda deployment zip of the dev stage, built the way `make package STAGE=dev` builds it
(into a private folder, so a concurrent `make test` never sees a half-written build/dev)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any

_BUILD = (
    "import sys; from pathlib import Path; from scripts.package import package; "
    "package('dev', Path(sys.argv[1]))"
)


def measure(repo: Path, out_dir: Path, top: int = 6) -> dict[str, Any]:
    subprocess.run(
        [sys.executable, "-c", _BUILD, str(out_dir)],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    )
    zip_path = out_dir / "deployment.zip"
    sizes: dict[str, int] = defaultdict(int)
    unzipped = 0
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            unzipped += info.file_size
            sizes[info.filename.split("/")[0]] += info.compress_size
    largest = sorted(sizes.items(), key=lambda pair: -pair[1])[:top]
    return {
        "zipBytes": zip_path.stat().st_size,
        "zipMB": round(zip_path.stat().st_size / 1e6, 2),
        "unzippedMB": round(unzipped / 1e6, 2),
        "largest": [
            {"entry": name, "compressedMB": round(size / 1e6, 2)} for name, size in largest
        ],
    }
