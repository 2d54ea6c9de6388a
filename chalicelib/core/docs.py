"""Interactive API docs: Redoc, served from an installed package (no CDN), reading the
contract itself. Relative links keep the page working behind any API Gateway stage prefix."""

from functools import lru_cache
from importlib import resources
from pathlib import Path

CONTRACT = Path(__file__).resolve().parent.parent / "contract" / "openapi.yaml"
REDOC_SCRIPT = "redoc.standalone.js"
REDOC_LOGO = "logo-mini.svg"
# The only address outside this API that Redoc's script loads: its vendor's logo, which the
# same package ships, so the page is served it from here instead.
_LOGO_ON_CDN = "https://cdn.redoc.ly/redoc/logo-mini.svg"

PAGE = """<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>AI Lifestyle API</title>
    <link rel="icon" href="data:,">
  </head>
  <body>
    <redoc spec-url="openapi.yaml"></redoc>
    <script src="docs/redoc.standalone.js"></script>
  </body>
</html>
"""


@lru_cache(maxsize=1)
def contract_text() -> str:
    return CONTRACT.read_text(encoding="utf-8")


def _bundled(name: str) -> str:
    return (resources.files("openapi_ui_bundles") / "redoc" / "vendor" / name).read_text(
        encoding="utf-8")


@lru_cache(maxsize=1)
def redoc_script() -> str:
    return _bundled(REDOC_SCRIPT).replace(_LOGO_ON_CDN, f"docs/{REDOC_LOGO}")


@lru_cache(maxsize=1)
def redoc_logo() -> str:
    return _bundled(REDOC_LOGO)
