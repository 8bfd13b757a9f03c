"""A cycle's rules: service charge, loan limit and length, fines, what the health fund gives.

Set by the group with the CLI or the dashboard; every cycle starts with the previous cycle's
rules (the first with the defaults of models.CycleRules). The defaults are a starting point
the group changes: loans at most 3 times her savings, a flat service charge a month, short loans
(VSLA practice: groups set their own monthly rate, see VSL Associates, "The VSLA methodology",
https://www.vsla.net/the-vsla-methodology/); 0 % suits health loans.
"""

from __future__ import annotations

from datetime import datetime

from ussd_app.savings.groups import GroupError
from ussd_app.savings.models import HEALTH_MODES, CycleRules

DEFAULTS = {"service_charge_pct": 5, "max_loan_multiple": 3, "loan_months": 3, "fine_late": 100,
            "fine_absent": 250, "health_mode": "grants"}
LIMITS = {"service_charge_pct": (0, 20), "max_loan_multiple": (1, 10), "loan_months": (1, 12),
          "fine_late": (0, 100_000), "fine_absent": (0, 100_000)}


def rules_for(db, cycle_id: int) -> CycleRules:
    """The cycle's rules; a cycle without any (written before rules existed) gets the defaults."""
    rules = db.get(CycleRules, cycle_id)
    if rules is None:
        rules = CycleRules(cycle_id=cycle_id, **DEFAULTS)
    return rules


def start_rules(db, cycle_id: int, *, copy_from: int | None, now: datetime) -> CycleRules:
    """The rules of a new cycle: the previous cycle's, or the defaults."""
    values = dict(DEFAULTS)
    if copy_from is not None:
        old = rules_for(db, copy_from)
        values = {name: getattr(old, name) for name in DEFAULTS}
    rules = CycleRules(cycle_id=cycle_id, updated_at=now, **values)
    db.add(rules)
    db.flush()
    return rules


def set_rules(db, cycle_id: int, *, now: datetime, **changes) -> CycleRules:
    """Change some rules of a cycle; later loans follow them, earlier ones keep their terms."""
    for name, value in changes.items():
        if name == "health_mode":
            if value not in HEALTH_MODES:
                raise GroupError(f"health_mode must be one of {', '.join(HEALTH_MODES)}")
        elif name in LIMITS:
            low, high = LIMITS[name]
            if type(value) is not int or not low <= value <= high:
                raise GroupError(f"{name} must be a whole number from {low} to {high}")
        else:
            raise GroupError(f"no rule named {name!r}")
    rules = db.get(CycleRules, cycle_id)
    if rules is None:
        rules = start_rules(db, cycle_id, copy_from=None, now=now)
    for name, value in changes.items():
        setattr(rules, name, value)
    rules.updated_at = now
    db.flush()
    return rules
