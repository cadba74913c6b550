"""Named flows: the use cases that cross domains, each in one module that reads top to bottom.

- `outcomes`: a payment failed → record it in the ledger, open or update its case, plan it;
  a payment succeeded → record it, close its case as recovered.
- `retry`: run due attempts → charge through the PSP or message the customer, record, re-plan.
- `checkout`: the payer's hosted checkout → reserve, ask the PSP, record the payment.

Flows sit above the domains (payments, recovery, psp, notify) and below the edges (routes,
pages, jobs); no domain imports a flow.
"""
