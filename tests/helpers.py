"""Small helpers shared by the test layers."""

import gzip
import json
import threading
from importlib import resources
from pathlib import Path
from typing import Any

import boto3
from chalice.test import Client

ROOT = Path(__file__).resolve().parent.parent  # the project
STRONG_PASSWORD = "Str0ng!Passw0rd"


def new_user(email: str = "ada@example.com") -> dict[str, str]:
    return {"email": email, "password": STRONG_PASSWORD, "firstName": "Ada", "lastName": "Lovelace"}


def assert_envelope(body: Any, status_code: int, error: str | None = None) -> dict[str, Any]:
    """Every non-2xx answer has the error envelope of docs/api.md (and the code, when given)."""
    data = json.loads(body) if isinstance(body, bytes | str) else body
    assert status_code >= 400
    assert {"error", "message", "request_id", "timestamp", "details"} <= set(data)
    assert data["timestamp"].endswith("Z")
    if error is not None:
        assert data["error"] == error, data
    return dict(data)


def current_totp_code(secret: str) -> str:
    """The authenticator code now, never one about to expire: moto accepts only the current
    30-second window, so a code made in its last seconds could be stale when it arrives."""
    import time

    from chalicelib.users import totp

    seconds_left = totp.STEP_SECONDS - time.time() % totp.STEP_SECONDS
    if seconds_left < 3:
        time.sleep(seconds_left + 0.1)
    return totp.code_for(secret)


def post_json(client: Client, path: str, body: Any, token: str | None = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.http.post(path, headers=headers, body=json.dumps(body))


def put_json(client: Client, path: str, body: Any, token: str) -> Any:
    return client.http.put(
        path,
        body=json.dumps(body),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )


def get(client: Client, path: str, token: str | None = None, **headers: str) -> Any:
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.http.get(path, headers=headers)


def signed_in_user(client: Client, aws: dict[str, str], email: str = "ada@example.com") -> str:
    """Register, verify (as the dev command does) and sign in; the access token."""
    assert post_json(client, "/auth/register", new_user(email)).status_code == 201
    boto3.client("cognito-idp").admin_confirm_sign_up(UserPoolId=aws["pool_id"], Username=email)
    login = post_json(client, "/auth/login", {"email": email, "password": new_user()["password"]})
    assert login.status_code == 200, login.body
    return str(json.loads(login.body)["accessToken"])


def log_lines(captured: str) -> list[dict[str, Any]]:
    """The JSON lines of what the app logged (other lines are skipped)."""
    return [json.loads(line) for line in captured.splitlines() if line.startswith("{")]


def moto_public_jwks() -> dict[str, Any]:
    """The keys moto signs Cognito tokens with; moto's in-process mock does not serve them over
    urllib, so they are handed to the app's key cache directly."""
    raw = (resources.files("moto") / "cognitoidp/resources/jwks-public.json.gz").read_bytes()
    document: dict[str, Any] = json.loads(gzip.decompress(raw))
    return document


def registered_user(auth_service: Any, identity: Any, email: str = "ada@example.com") -> str:
    """Register through the auth service and confirm the account in the fake identity
    provider (tests/service/fakes.py), as `signed_in_user` does over HTTP; the user id."""
    from chalicelib.core.validation import parse
    from chalicelib.users.models import RegisterRequest

    registered = auth_service.register(parse(RegisterRequest, new_user(email)))
    identity.confirm_user(email)
    return str(registered["userId"])


class RequestLog:
    """Counts the DynamoDB operations the app's client sends (register it for
    "before-call.dynamodb" on the client's events)."""

    def __init__(self) -> None:
        self.operations: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.operations.append(model.name)


MASTER_PASSWORD = "correct horse battery staple"


def browser_key_material(
    password: str = MASTER_PASSWORD, bits: int = 2048
) -> tuple[dict[str, str], Any]:
    """Key material made the way the web client's EncryptionService makes it (README,
    "Privacy"): a 32-byte salt, an RSA-OAEP key pair, the private key as PKCS#8 encrypted with
    AES-GCM under a PBKDF2-SHA-256 master key (IV first), the public key as SPKI, and a random
    32-hex-digit publicKeyId. The POST /encryption/setup body, and the private key. (The
    browser makes 4096-bit keys; tests default to 2048 bits to stay fast.)"""
    import base64
    import os

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

    salt = os.urandom(32)
    master = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=100_000)
    master_key = master.derive(password.encode())
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pkcs8 = private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    iv = os.urandom(12)
    wrapped = iv + AESGCM(master_key).encrypt(iv, pkcs8, None)
    spki = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    body = {
        "salt": base64.b64encode(salt).decode(),
        "encryptedPrivateKey": base64.b64encode(wrapped).decode(),
        "publicKey": base64.b64encode(spki).decode(),
        "publicKeyId": os.urandom(16).hex(),
    }
    return body, private_key


def unlock_private_key(keys: dict[str, str], password: str = MASTER_PASSWORD) -> Any:
    """What a new device does with GET /encryption/user/{me}: derive the master key from the
    password and the salt, and decrypt the private key (fails on a wrong password)."""
    import base64

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

    master = PBKDF2HMAC(
        algorithm=hashes.SHA256(),
        length=32,
        salt=base64.b64decode(keys["salt"]),
        iterations=100_000,
    ).derive(password.encode())
    wrapped = base64.b64decode(keys["encryptedPrivateKey"])
    pkcs8 = AESGCM(master).decrypt(wrapped[:12], wrapped[12:], None)
    return serialization.load_der_private_key(pkcs8, password=None)
