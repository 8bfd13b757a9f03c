"""Per-centre scope: staff see only their centre's people, an admin sees every centre.

Every clinic query filters through a `Scope`, so isolation is decided in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import false, true
from werkzeug.exceptions import NotFound


@dataclass(frozen=True)
class Scope:
    facility_code: str | None  # None: every centre (admin)
    is_admin: bool = False

    @classmethod
    def for_staff(cls, account) -> "Scope":
        if account.role == "admin":
            return cls(None, True)
        return cls(account.facility_code, False)

    @classmethod
    def for_token(cls, token) -> "Scope":
        return cls(token.facility_code, token.facility_code is None)

    def where(self, column):
        """A WHERE clause keeping rows of this scope's centre (`column` holds a facility code)."""
        if self.is_admin:
            return true()
        if not self.facility_code:
            return false()
        return column == self.facility_code

    def allows(self, facility_code: str | None) -> bool:
        return self.is_admin or (facility_code is not None and facility_code == self.facility_code)

    def check(self, facility_code: str | None) -> None:
        """404 (not 403: nothing reveals that another centre's record exists) outside the scope."""
        if not self.allows(facility_code):
            raise NotFound()
