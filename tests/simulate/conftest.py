from __future__ import annotations

from pathlib import Path

import pytest

from tinko.simulate.scenario import Scenario, parse_scenario

SMALL = """
name: small
currency: USD
gateway: stripe
merchant_timezone: America/New_York
days: 20
window_days: 28
failures: 150
customers: 120
amount: {choices: [{value: 2900, share: 2}, {value: 9900, share: 1}]}
countries:
  - {code: US, timezone: America/New_York}
  - {code: IN, timezone: Asia/Kolkata}
payment_methods:
  - {type: visa_card, share: 0.4}
  - {type: mastercard_card, share: 0.2}
  - {type: upi_autopay, share: 0.3}
  - {type: emandate, share: 0.1}
income:
  - {pattern: monthly, day: 1}
  - {pattern: weekly, weekday: fri}
failure_mix:
  - {code: insufficient_funds, share: 0.4, behaviour: funds}
  - {code: do_not_honor, share: 0.2, behaviour: temporary_block}
  - {code: issuer_not_available, share: 0.1, behaviour: issuer_outage}
  - {code: stolen_card, share: 0.1, behaviour: lost_stolen}
  - {code: authentication_required, share: 0.1, behaviour: authentication}
  - {code: R1, share: 0.1, behaviour: mandate_revoked}
"""


@pytest.fixture
def small() -> Scenario:
    return parse_scenario(SMALL)


@pytest.fixture
def small_file(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    return path
