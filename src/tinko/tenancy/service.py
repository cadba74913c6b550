"""Organisation use cases."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinko.errors import NotFound
from tinko.kit.clock import Clock
from tinko.kit.ids import new_id
from tinko.tenancy.models import Organization


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:60] or "org"


def create_org(session: Session, clock: Clock, name: str, **fields: str) -> Organization:
    base = slugify(name)
    taken = set(
        session.scalars(select(Organization.slug).where(Organization.slug.like(f"{base}%"))).all()
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    now = clock.now()
    org = Organization(id=new_id("org"), name=name, slug=slug, created_at=now, updated_at=now)
    for key, value in fields.items():
        setattr(org, key, value)
    session.add(org)
    session.flush()
    return org


def get_org(session: Session, org_id: str) -> Organization:
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound("No such organisation.")
    return org


def update_org(
    session: Session, clock: Clock, org_id: str, changes: dict[str, str | int]
) -> Organization:
    org = get_org(session, org_id)
    for key, value in changes.items():
        setattr(org, key, value)
    org.updated_at = clock.now()
    return org
