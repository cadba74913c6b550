"""`/console/help`: what each number means (the definitions of docs/analytics.md, in plain
words) and answers to the questions merchants ask, in the page's language."""

from __future__ import annotations

from typing import Final

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from tinko.console import words as labels
from tinko.console.access import ConsoleUserDep
from tinko.console.rendering import render_page
from tinko.deps import TinkoRouter
from tinko.pages.i18n import N_

router = TinkoRouter(
    prefix="/console", default_response_class=HTMLResponse, include_in_schema=False
)

# (term, meaning): docs/analytics.md "Definitions", kept in step with it.
METRICS: Final = (
    (
        N_("Case"),
        N_("One failed payment that opened a recovery. Every number counts cases."),
    ),
    (
        N_("Cohort"),
        N_(
            "The day of a case's first failure, in your organisation's time zone. A case "
            "counts in the period of its first failure, so a period's numbers change only as "
            "its own cases move on."
        ),
    ),
    (
        N_("Recovery window"),
        N_(
            "How long the policy keeps working on a case, counted from the first failure "
            "(the policy's window in days). Nothing is planned after it ends."
        ),
    ),
    (
        N_("Recovered"),
        N_(
            "The payment succeeded after it failed: by Tinko's retry, through the payment "
            "link, or reported by your server or your payment provider (paid outside Tinko)."
        ),
    ),
    (
        N_("Lost"),
        N_(
            "Tinko stopped working on the case: everything was tried, a hard decline with no "
            "customer action, cancelled by you, the window ended, or the customer is in the "
            "holdout. Customers who opted out end here too. A lost case still turns recovered "
            "if the money arrives later."
        ),
    ),
    (N_("In progress"), N_("Still being worked on: something is planned or running.")),
    (
        N_("Recovery rate (count)"),
        N_("Recovered cases divided by all cases of the period."),
    ),
    (
        N_("Recovery rate (amount)"),
        N_("Recovered amount divided by failed amount, from the same cases, in one currency."),
    ),
    (
        N_("Closed recovery rate"),
        N_("The count rate with the cases still in progress left out."),
    ),
    (
        N_("Provisional"),
        N_(
            "A period with a case still inside its window: its numbers can still change, "
            "usually upwards."
        ),
    ),
    (
        N_("Amounts"),
        N_(
            "Shown per currency and never added across currencies. Indian rupees are grouped "
            "in lakhs and crores (₹1,23,456.00)."
        ),
    ),
    (
        N_("Holdout and uplift"),
        N_(
            "A share of customers you choose (0 to 50 percent) gets no retries and no "
            "messages from Tinko. Uplift is the recovery rate of everyone else minus the "
            "holdout's, in percentage points, with a 95 percent interval; it is shown once "
            "each group has enough settled cases."
        ),
    ),
    (
        N_("Time to recover"),
        N_(
            "The share of cases recovered by each hour after the first failure. Cases not "
            "recovered count until now (open) or until their window ended (lost)."
        ),
    ),
)

QUESTIONS: Final = (
    (
        N_("Why was a payment not retried?"),
        N_(
            "Some declines cannot succeed on the same card (an expired, blocked or closed "
            "card); for those we only send the customer a link. Card-network rules also limit "
            "how often a card may be retried, and customers in the holdout get nothing. The "
            "case page says why for each attempt."
        ),
    ),
    (
        N_("Why did a customer get no message?"),
        N_(
            "They opted out of that channel, we have no email or phone for them, or they "
            "already had 3 messages in 24 hours. Messages wait for the end of quiet hours. "
            "The case's timeline and the Messages page show each message and its outcome."
        ),
    ),
    (
        N_("How long does a payment link work?"),
        N_(
            "48 hours by default (your organisation's link lifetime). A link can still be paid "
            "after the recovery is exhausted; the payment then makes it recovered."
        ),
    ),
    (
        N_("What do the webhook outcomes on the Developers page mean?"),
        N_(
            "Accepted: stored and processed. Duplicate: we had this event already and did not "
            "process it twice. Rejected: signed correctly but not a valid event, so it is kept "
            "and ignored. Bad signature: the signature did not match the endpoint's secret, so "
            "nothing was stored; check the secret in your provider's settings."
        ),
    ),
    (
        N_("Who can do what?"),
        N_(
            "Viewers can read everything here. Admins can also retry, cancel and send links, "
            "and see webhook payloads and API keys. Owners can also manage people and keys."
        ),
    ),
    (
        N_("Is it safe to press Retry now twice?"),
        N_(
            "Yes. A recovery never has two charges at the payment provider at once, and no "
            "charge goes out within an hour of the last one on the same card."
        ),
    ),
)


@router.get("/help")
def help_page(request: Request, user: ConsoleUserDep) -> Response:
    context = {"metrics": METRICS, "questions": QUESTIONS, "labels": labels}
    return render_page(request, "console/help.html", context)
