"""The web client's cryptography, done in Python the way the browser does it with WebCrypto
(frontend/src/services/encryption/EncryptionService.ts), so end-to-end tests can hold real key
material: what the server must store byte for byte, and what a recipient must be able to open.

- The master key: PBKDF2-SHA-256, 100,000 iterations, over the password and a 32-byte salt, an
  AES-GCM-256 key that never leaves the browser.
- The personal key pair: RSA-OAEP 4096, SHA-256. The public key goes to the server as SPKI in
  base64; the private key as PKCS#8, AES-GCM-encrypted with the master key (IV then ciphertext).
- An entry: a fresh AES-GCM-256 content key per save, wrapped with the owner's public key; a
  share re-wraps the same content key with the recipient's public key.

Base64 is the standard alphabet with padding, as the browser's btoa writes it. The browser
makes 4096-bit key pairs; tests that make many may ask for 2048 bits to stay fast (the server
treats every key string as opaque either way).
"""

import base64
import os
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

MASTER_PASSWORD = "correct horse battery staple"
_OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def _master_key(password: str, salt: bytes) -> AESGCM:
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=100_000)
    return AESGCM(kdf.derive(password.encode()))


@dataclass(frozen=True)
class Browser:
    """One person's unlocked browser: the key pair, and the four strings the server keeps."""

    private_key: rsa.RSAPrivateKey
    salt: str
    encrypted_private_key: str
    public_key: str
    public_key_id: str

    @classmethod
    def set_up(cls, password: str = MASTER_PASSWORD, bits: int = 4096) -> "Browser":
        salt = os.urandom(32)
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        pkcs8 = private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        iv = os.urandom(12)
        spki = private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return cls(
            private_key=private_key,
            salt=b64(salt),
            encrypted_private_key=b64(iv + _master_key(password, salt).encrypt(iv, pkcs8, None)),
            public_key=b64(spki),
            public_key_id=os.urandom(16).hex(),
        )

    @classmethod
    def unlock(cls, password: str, keys: dict[str, Any]) -> "Browser":
        """A new device: the keys as the server returned them, opened with the password."""
        blob = unb64(keys["encryptedPrivateKey"])
        pkcs8 = _master_key(password, unb64(keys["salt"])).decrypt(blob[:12], blob[12:], None)
        private_key = serialization.load_der_private_key(pkcs8, password=None)
        assert isinstance(private_key, rsa.RSAPrivateKey)
        return cls(
            private_key=private_key,
            salt=keys["salt"],
            encrypted_private_key=keys["encryptedPrivateKey"],
            public_key=keys["publicKey"],
            public_key_id=keys["publicKeyId"],
        )

    def setup_body(self) -> dict[str, str]:
        return {
            "salt": self.salt,
            "encryptedPrivateKey": self.encrypted_private_key,
            "publicKey": self.public_key,
            "publicKeyId": self.public_key_id,
        }

    def encrypt_entry(self, html: str) -> dict[str, str]:
        """What the editor sends for an encrypted save: a new content key every time."""
        content_key, iv = AESGCM.generate_key(bit_length=256), os.urandom(12)
        return {
            "content": b64(AESGCM(content_key).encrypt(iv, html.encode(), None)),
            "encryptedKey": b64(self.private_key.public_key().encrypt(content_key, _OAEP)),
            "encryptionIv": b64(iv),
        }

    def rewrap_for(self, encrypted_key: str, recipient_public_key: str) -> str:
        """The share dialog: unwrap the content key, wrap it for the recipient."""
        content_key = self.private_key.decrypt(unb64(encrypted_key), _OAEP)
        recipient = serialization.load_der_public_key(unb64(recipient_public_key))
        assert isinstance(recipient, rsa.RSAPublicKey)
        return b64(recipient.encrypt(content_key, _OAEP))

    def decrypt_entry(self, entry: dict[str, str]) -> str:
        content_key = self.private_key.decrypt(unb64(entry["encryptedKey"]), _OAEP)
        plain = AESGCM(content_key).decrypt(
            unb64(entry["encryptionIv"]), unb64(entry["content"]), None
        )
        return plain.decode()
