"""docs/new-user-journey.http, sent as a developer would, top to bottom, to chalice local on
the local stack: every request succeeds, and the journal entry moves the reading goal."""

import uuid
from typing import Any

from tests import http_collection


def test_the_new_user_journey_collection_runs_as_written(api):
    variables, blocks = http_collection.parse()
    # A fresh account each run, on this test's chalice local; everything else as written.
    email = f"journey-{uuid.uuid4().hex[:10]}@example.com"
    variables |= {"baseUrl": api.base_url, "email": email}
    answers: dict[str, dict[str, Any]] = {}

    def answer(request: str, field: str) -> Any:
        return answers[request][field]

    sent: list[Any] = []
    for block in blocks:
        if block.method is None or block.url is None:
            if any("make verify-user" in comment for comment in block.comments):
                assert api.verify(email).returncode == 0  # the step the file tells you to run
            continue
        url = http_collection.substitute(block.url, variables, answer)
        headers = {
            key: http_collection.substitute(value, variables, answer)
            for key, value in block.headers.items()
        }
        body = http_collection.substitute(block.body, variables, answer) if block.body else None
        response = api.call(
            block.method, url.removeprefix(api.base_url), headers=headers, data=body
        )
        assert 200 <= response.status_code < 300, (block.method, block.url, response.text)
        if block.name:
            answers[block.name] = response.json()
        sent.append(response)
    assert len(sent) >= 10
    reading = answers["readingGoal"]["goalId"]
    goal = api.call("GET", f"/goals/{reading}", answers["login"]["accessToken"]).json()
    assert goal["progress"]["totalAccumulated"] == 40
    assert sent[-1].json()["totalEntries"] == 1  # the last request: the journal's statistics
