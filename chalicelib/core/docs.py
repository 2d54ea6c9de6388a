"""Interactive API docs: Swagger UI, served from an installed package (no CDN), reading the
contract itself, with "Try it out" and an Authorize button for an access token. Relative links
keep the page working behind any API Gateway stage prefix.

Swagger UI comes from aws-lambda-powertools, which the app already ships for its logs, metrics
and tracing and whose maintainers keep its copy current; a second UI package would put another
megabyte and a half of script into the Lambda zip."""

from functools import lru_cache
from importlib import resources
from pathlib import Path

CONTRACT = Path(__file__).resolve().parent.parent / "contract" / "openapi.yaml"
# Where the package keeps them, read as files: importing that module would load Powertools'
# whole event handler, which the app does not use.
SWAGGER_PACKAGE, SWAGGER_FOLDER = (
    "aws_lambda_powertools",
    ("event_handler", "openapi", "swagger_ui"),
)
SWAGGER_SCRIPT = "swagger-ui-bundle.min.js"
SWAGGER_STYLES = "swagger-ui.min.css"
STARTER_SCRIPT = "start.js"
# The packaged stylesheet names a source map the package does not ship; a browser's developer
# tools would ask this API for it and get a 404.
_MISSING_SOURCE_MAP = "/*# sourceMappingURL=swagger-ui.css.map*/"

# Everything the page loads comes from this API, so a browser refuses anything else. Swagger UI
# sets inline style attributes, hence 'unsafe-inline' for styles (never for scripts), and its
# icons are data: URIs.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)

PAGE = f"""<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>AI Lifestyle API</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="docs/{SWAGGER_STYLES}">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="docs/{SWAGGER_SCRIPT}"></script>
    <script src="docs/{STARTER_SCRIPT}"></script>
  </body>
</html>
"""

# A file of its own, not an inline script, so the policy above needs no 'unsafe-inline' for
# scripts. The contract's server is relative (`.`), so "Try it out" calls the API that served
# the page, stage prefix included. No validator: Swagger UI would send the contract to
# validator.swagger.io. The token stays in the page's memory (not persisted).
STARTER = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "openapi.yaml",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    persistAuthorization: false,
    displayRequestDuration: true,
    docExpansion: "list",
    defaultModelsExpandDepth: 0
  });
});
"""


@lru_cache(maxsize=1)
def contract_text() -> str:
    return CONTRACT.read_text(encoding="utf-8")


def _bundled(name: str) -> str:
    return (
        resources.files(SWAGGER_PACKAGE).joinpath(*SWAGGER_FOLDER, name).read_text(encoding="utf-8")
    )


@lru_cache(maxsize=1)
def swagger_script() -> str:
    return _bundled(SWAGGER_SCRIPT)


@lru_cache(maxsize=1)
def swagger_styles() -> str:
    return _bundled(SWAGGER_STYLES).replace(_MISSING_SOURCE_MAP, "")
