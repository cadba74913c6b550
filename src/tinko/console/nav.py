"""The console's navigation: one list, in order; an entry a person's role may not use is left
out of their menu (the route refuses it as well)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from tinko.pages.i18n import N_

if TYPE_CHECKING:
    from tinko.console.access import ConsoleUser


@dataclass(frozen=True)
class NavEntry:
    key: str
    label: str  # an N_() message id; templates translate it
    href: str
    min_role: str = "viewer"


@dataclass(frozen=True)
class NavLink:
    key: str
    label: str
    href: str
    current: bool


NAV: Final = (
    NavEntry("dashboard", N_("Dashboard"), "/console/"),
    NavEntry("recoveries", N_("Recoveries"), "/console/recoveries"),
    NavEntry("messages", N_("Messages"), "/console/messages"),
    NavEntry("rules", N_("Rules"), "/console/rules"),
    NavEntry("policies", N_("Retry policies"), "/console/policies"),
    NavEntry("templates", N_("Message templates"), "/console/templates"),
    NavEntry("developers", N_("Developers"), "/console/developers"),
    NavEntry("webhooks", N_("Webhooks"), "/console/webhooks", "admin"),
    NavEntry("audit", N_("Audit log"), "/console/audit", "admin"),
    NavEntry("settings", N_("Settings"), "/console/settings"),
    NavEntry("help", N_("Help"), "/console/help"),
    NavEntry("onboarding", N_("Get started"), "/console/onboarding", "owner"),
    NavEntry("psp", N_("Payment providers"), "/console/settings/psp", "admin"),
)


def nav_for(user: ConsoleUser | None, path: str) -> list[NavLink]:
    if user is None:
        return []
    entries = [entry for entry in NAV if user.at_least(entry.min_role)]
    # The longest matching href is the current one: /console/settings/psp is not also Settings.
    matching = [e.href for e in entries if _covers(e.href, path)]
    current = max(matching, key=len, default=None)
    return [NavLink(e.key, e.label, e.href, e.href == current) for e in entries]


def _covers(href: str, path: str) -> bool:
    if href == "/console/":
        return path == href
    return path == href or path.startswith(href.rstrip("/") + "/")


ROLE_LABELS: Final = {"viewer": N_("Viewer"), "admin": N_("Admin"), "owner": N_("Owner")}
