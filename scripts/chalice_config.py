"""Reads and updates ``.chalice/config.json`` without disturbing anything else in it.

The file is hand-edited and reviewed, so an update keeps its key order, its two-space
indentation and every key it does not touch.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class ChaliceConfig:
    path: Path
    document: dict[str, Any]

    @classmethod
    def load(cls, project_dir: Path) -> ChaliceConfig:
        path = project_dir / ".chalice" / "config.json"
        return cls(path=path, document=json.loads(path.read_text()))

    def stage(self, stage: str) -> dict[str, Any]:
        stages: dict[str, Any] = self.document.get("stages", {})
        if stage not in stages:
            raise KeyError(f"stage {stage!r} is not in {self.path} (have: {', '.join(stages)})")
        return dict(stages[stage])

    def stage_environment(self, stage: str) -> dict[str, str]:
        """The stage's environment as the function sees it: global values, then the stage's."""
        merged = dict(self.document.get("environment_variables", {}))
        merged.update(self.stage(stage).get("environment_variables", {}))
        return merged

    def set_stage_environment(self, stage: str, values: Mapping[str, str]) -> None:
        """Set (or add) environment variables of one stage; call ``save`` to write them."""
        self.stage(stage)
        stage_doc = self.document["stages"][stage]
        stage_doc.setdefault("environment_variables", {}).update(values)

    def save(self) -> None:
        self.path.write_text(json.dumps(self.document, indent=2, ensure_ascii=False) + "\n")


def use_local_stack_unless_configured(project_dir: Path) -> None:
    """For a maintenance script run by hand: with no table configured (no TABLE_NAME), take
    the local stage's settings and the running local stack's endpoints; exit with the fix
    when no stack runs, before anything could reach AWS."""
    import os

    if os.environ.get("TABLE_NAME"):
        return  # pointed at a table on purpose (a deployed stage's, with its credentials)
    os.environ.update(ChaliceConfig.load(project_dir).stage_environment("local"))
    from chalicelib.core import local_stage

    if local_stage.stack_missing():
        raise SystemExit(local_stage.STACK_NOT_RUNNING)
