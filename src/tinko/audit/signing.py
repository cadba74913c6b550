"""The Ed25519 key that signs checkpoints and prune records.

`TINKO_AUDIT_SIGNING_KEY` (base64 of a 32-byte Ed25519 seed) when set, else a seed derived
from `TINKO_SECRET_KEY` with HKDF, so a deployment has a stable key without another secret to
manage. Only the public half leaves the service (`GET /v1/audit/public-key`).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from tinko.audit.chain import canonical, key_id


class SigningKeyError(ValueError):
    pass


class Signer:
    def __init__(self, secret_key: str, seed_b64: str = "") -> None:
        if seed_b64:
            try:
                seed = base64.b64decode(seed_b64, validate=True)
            except binascii.Error:
                raise SigningKeyError("TINKO_AUDIT_SIGNING_KEY is not base64") from None
            if len(seed) != 32:
                raise SigningKeyError("TINKO_AUDIT_SIGNING_KEY must hold 32 bytes")
        else:
            hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"tinko/audit/v1")
            seed = hkdf.derive(secret_key.encode())
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self.public_key = self._key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.key_id = key_id(self.public_key)

    def sign(self, record: Mapping[str, Any], fields: tuple[str, ...]) -> str:
        return base64.b64encode(self._key.sign(canonical(record, fields))).decode()

    def describe(self) -> dict[str, str]:
        return {
            "key_id": self.key_id,
            "algorithm": "Ed25519",
            "public_key": base64.b64encode(self.public_key).decode(),
        }

    def public_keys(self) -> dict[str, bytes]:
        return {self.key_id: self.public_key}
