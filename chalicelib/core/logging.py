"""The structured JSON logger shared by the whole app.

Nothing logs request or response bodies, headers or tokens: only the fields named in
`routing.log_request`, so secrets and journal text cannot reach the logs by accident.
"""

import os

from aws_lambda_powertools import Logger

logger = Logger(service="ai-lifestyle-api", level=os.environ.get("LOG_LEVEL", "INFO"))
