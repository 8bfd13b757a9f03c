"""How a pregnancy or a child's journey ended: born, or lost. One row per registration.

The row is written with everything it causes (ussd_app.health.birth_loss), by the mother over
USSD, by the centre's staff on the dashboard or by its tools through the API; `channel` and
`recorded_by` say which. It is unique per registration, so a replayed USSD hop, a second submit
or a repeated API request records nothing more.

A loss is kept for the clinic with a reason code (LOSS_REASONS); her phone then leaves every
audience about pregnancy or babies (ussd_app.clinic.audience) until she registers again.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, String, and_, exists, select
from sqlalchemy.orm import Mapped, aliased, mapped_column

from ussd_app.clock import system_now
from ussd_app.db import Base, UTCDateTime
from ussd_app.text.i18n import N_

BORN, LOST = "born", "lost"
USSD, DASHBOARD, API = "ussd", "dashboard", "api"
MOTHER = "mother"  # recorded_by when she told us herself
GIRL, BOY = "f", "m"
# The reasons she (or the staff) can give, as MomConnect's opt-out flow offers them
# (praekelt ndoh-jsbox: miscarriage, stillbirth, baby died), and "not said": she never has to.
LOSS_REASONS = {
    "miscarriage": N_("Pregnancy lost"),
    "stillbirth": N_("Baby born without life"),
    "baby_died": N_("Baby died"),
    "not_said": N_("Prefers not to say"),
}


class Outcome(Base):
    __tablename__ = "health_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("health_enrollments.id"), unique=True)
    phone: Mapped[str] = mapped_column(String(16), index=True)  # the mother's, E.164
    kind: Mapped[str] = mapped_column(String(8))  # born | lost
    event_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(1))  # f | m, when she said it (births)
    reason_code: Mapped[str | None] = mapped_column(String(32))  # a LOSS_REASONS key (losses)
    # The child registered at the birth (births).
    child_enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("health_enrollments.id"))
    # After a loss: does she still want the centre's general health information (campaigns)?
    keep_information: Mapped[bool | None] = mapped_column(Boolean)
    channel: Mapped[str] = mapped_column(String(16))  # ussd | dashboard | api
    recorded_by: Mapped[str] = mapped_column(String(64))  # "mother", the staff's user name or "api:<token>"
    request_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=system_now)


def for_enrollment(db, enrollment_id: int) -> Outcome | None:
    return db.scalar(select(Outcome).where(Outcome.enrollment_id == enrollment_id))


def for_enrollments(db, enrollment_ids) -> dict[int, Outcome]:
    ids = list(enrollment_ids)
    if not ids:
        return {}
    return {o.enrollment_id: o for o in db.scalars(select(Outcome).where(Outcome.enrollment_id.in_(ids)))}


def by_request_key(db, request_key: str) -> Outcome | None:
    return db.scalar(select(Outcome).where(Outcome.request_key == request_key))


def mourning(phone_column, enrollments_table):
    """SQL: the phone in `phone_column` had a loss recorded and registered nothing since.

    `enrollments_table` is the enrollments model (passed in: this module sits below it)."""
    other = aliased(enrollments_table)  # not the outer query's enrollments
    later = (select(other.id)
             .where(other.phone == Outcome.phone, other.created_at > Outcome.created_at))
    return exists(select(Outcome.id).where(and_(Outcome.phone == phone_column, Outcome.kind == LOST,
                                                ~exists(later))))
