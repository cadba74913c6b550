"""The audit log: an append-only, hash-chained record per org of every change and sensitive
read, with signed checkpoints a merchant can keep and verify (docs/audit.md).

It sits below the domains: it takes plain event data and imports only the kit, `db`, `config`
and `errors`. Domains call `record(...)` or register tables with `watch(...)`.
"""

from tinko.audit.context import ANONYMOUS, SYSTEM, Actor
from tinko.audit.writer import record

__all__ = ["ANONYMOUS", "SYSTEM", "Actor", "record"]
