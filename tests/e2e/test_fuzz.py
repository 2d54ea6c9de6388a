"""Property-based fuzzing of every operation in the contract, against chalice local on the real
local stack, as a signed-in user: no server errors, and every response conforms to the
contract's status codes, schemas and content types."""

import re
import subprocess
import sys
from pathlib import Path

from tests import contract
from tests.helpers import ROOT

SETTINGS = Path(__file__).with_name("schemathesis.toml")
CHECKS = (
    "not_a_server_error,response_schema_conformance,status_code_conformance,"
    "content_type_conformance"
)
# moto has no ResendConfirmationCode, so locally this operation always answers 503; unit tests
# cover it with Cognito's answers stubbed.
EMULATOR_GAPS = ("resendVerification",)
EXAMPLES_PER_OPERATION = 25


def test_every_operation_survives_fuzzing(api, tmp_path):
    _, login = api.new_account()
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(SETTINGS),
        "run",
        str(contract.CONTRACT_PATH),
        "--url",
        api.base_url,
        "--header",
        f"Authorization: Bearer {login['accessToken']}",
        "--checks",
        CHECKS,
        "--max-examples",
        str(EXAMPLES_PER_OPERATION),
        "--seed",
        "2",
        "--workers",
        "2",
        "--request-timeout",
        "20",
        "--no-color",
        *[option for gap in EMULATOR_GAPS for option in ("--exclude-operation-id", gap)],
    ]
    result = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False
    )
    output = result.stdout + result.stderr
    (tmp_path / "schemathesis.log").write_text(output)
    assert result.returncode == 0, output[-6000:]
    tested = re.search(r"Tested:\s+(\d+)", output)
    cases = re.search(r"(\d+) generated, (\d+) passed", output)
    assert tested, output[-2000:]
    assert cases, output[-2000:]
    assert int(tested.group(1)) == len(contract.operations()) - len(EMULATOR_GAPS)
    assert int(cases.group(1)) == int(cases.group(2)) >= 1000
    print(f"fuzzed {tested.group(1)} operations with {cases.group(1)} cases")
