"""The hash chain and its signatures, on plain dicts: the service and the offline verifier
(`tinko audit verify --file`) run this same code, so a merchant's check is ours.

Each event is hashed over its canonical JSON (RFC 8785, JSON Canonicalization Scheme), which
includes the previous event's hash and the per-org sequence number: editing a row breaks its
hash, deleting one leaves a gap in the sequence. Checkpoints and prune records are signed with
Ed25519 over their own canonical JSON.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

# The previous hash of an org's first event.
GENESIS = "0" * 64
# The fields an event's hash covers, in the export's and the API's names.
HASHED_FIELDS = (
    "org_id",
    "seq",
    "at",
    "actor",
    "action",
    "targets",
    "changes",
    "outcome",
    "request_id",
    "ip",
    "user_agent",
    "prev_hash",
)
CHECKPOINT_FIELDS = ("org_id", "seq", "hash", "at", "key_id")
PRUNE_FIELDS = ("org_id", "through_seq", "through_hash", "at", "key_id")


def iso(moment: datetime) -> str:
    """One spelling of a time for hashing: UTC, microseconds, `Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(value: Mapping[str, Any], fields: Iterable[str]) -> bytes:
    return rfc8785.dumps({name: value.get(name) for name in fields})


def event_hash(event: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(event, HASHED_FIELDS)).hexdigest()


def key_id(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()[:16]


def check_signature(
    record: Mapping[str, Any], fields: Iterable[str], public_keys: Mapping[str, bytes]
) -> bool:
    """Whether `record["signature"]` is a valid Ed25519 signature by the key it names."""
    raw = public_keys.get(str(record.get("key_id")))
    if raw is None:
        return False
    try:
        signature = base64.b64decode(str(record.get("signature", "")), validate=True)
        Ed25519PublicKey.from_public_bytes(raw).verify(signature, canonical(record, fields))
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass
class Verdict:
    ok: bool = True
    checked: int = 0
    first_bad: dict[str, Any] | None = None
    checkpoints: int = 0

    def fail(self, seq: int, reason: str) -> Verdict:
        if self.ok:
            self.ok, self.first_bad = False, {"seq": seq, "reason": reason}
        return self

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ok": self.ok, "checked": self.checked}
        out["checkpoints_checked"] = self.checkpoints
        if self.first_bad is not None:
            out["first_bad"] = self.first_bad
        return out


@dataclass
class ChainInput:
    """What one org's verification reads: events in `seq` order, and the signed records."""

    events: Iterable[Mapping[str, Any]]
    public_keys: Mapping[str, bytes]
    checkpoints: Sequence[Mapping[str, Any]] = ()
    prune: Mapping[str, Any] | None = None  # the latest prune record, if the org pruned
    head_seq: int | None = None  # the writer's last sequence number, when known


def verify(chain: ChainInput) -> Verdict:
    """The first event that does not hold (edited, missing, or out of order), if any."""
    verdict = Verdict()
    start_seq, prev = 0, GENESIS
    if chain.prune is not None:
        if not check_signature(chain.prune, PRUNE_FIELDS, chain.public_keys):
            return verdict.fail(int(chain.prune["through_seq"]), "prune record signature invalid")
        start_seq, prev = int(chain.prune["through_seq"]), str(chain.prune["through_hash"])
    hashes: dict[int, str] = {}
    expected = start_seq + 1
    for event in chain.events:
        seq = int(event["seq"])
        if seq < expected:
            continue  # pruned: the prune record vouches for them
        if seq != expected:
            return verdict.fail(expected, f"gap: events {expected}..{seq - 1} are missing")
        if event.get("prev_hash") != prev:
            return verdict.fail(seq, "prev_hash does not match the previous event's hash")
        if event_hash(event) != event.get("hash"):
            return verdict.fail(seq, "hash does not match the event's contents (edited)")
        prev, expected = str(event["hash"]), seq + 1
        hashes[seq] = prev
        verdict.checked += 1
    last = expected - 1
    if chain.head_seq is not None and chain.head_seq > last:
        return verdict.fail(last + 1, f"gap: events {last + 1}..{chain.head_seq} are missing")
    return _check_checkpoints(verdict, chain, hashes, start_seq, last)


def _check_checkpoints(
    verdict: Verdict, chain: ChainInput, hashes: dict[int, str], start_seq: int, last: int
) -> Verdict:
    for checkpoint in sorted(chain.checkpoints, key=lambda c: int(c["seq"])):
        seq = int(checkpoint["seq"])
        if not check_signature(checkpoint, CHECKPOINT_FIELDS, chain.public_keys):
            return verdict.fail(seq, "checkpoint signature invalid")
        if seq <= start_seq:
            continue
        if seq > last:
            return verdict.fail(last + 1, f"gap: checkpoint {seq} signs events not present")
        if hashes.get(seq) != checkpoint["hash"]:
            return verdict.fail(seq, "event hash differs from the signed checkpoint")
        verdict.checkpoints += 1
    return verdict
