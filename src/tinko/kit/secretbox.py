"""Secrets at rest (PSP keys, webhook signing secrets), encrypted with a rotatable key set.

`TINKO_ENCRYPTION_KEYS` is a comma-separated list of Fernet keys, newest first: the first
encrypts, all decrypt, so a key is rotated by prepending a new one and re-encrypting at leisure.
Without it, one key is derived from `TINKO_SECRET_KEY`.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class SecretBoxError(Exception):
    pass


class SecretBox:
    def __init__(self, secret_key: str, encryption_keys: str = "") -> None:
        keys = [k.strip() for k in encryption_keys.split(",") if k.strip()]
        try:
            fernets = [Fernet(k) for k in keys] or [Fernet(_derive(secret_key))]
        except ValueError as exc:
            raise SecretBoxError(
                f"TINKO_ENCRYPTION_KEYS holds an invalid Fernet key: {exc}"
            ) from None
        self._box = MultiFernet(fernets)

    def encrypt(self, plaintext: str) -> str:
        return self._box.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._box.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise SecretBoxError("cannot decrypt: no configured key matches") from None

    def rotate(self, ciphertext: str) -> str:
        """Re-encrypt under the newest key."""
        return self._box.rotate(ciphertext.encode()).decode()


def _derive(secret_key: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"tinko/secretbox/v1")
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))
