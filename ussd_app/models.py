"""Every model, imported so the metadata is complete (Alembic autogenerate, test set-up)."""

from ussd_app.db import Base  # noqa: F401
from ussd_app.sms.outbox import OutboxMessage  # noqa: F401
from ussd_app.subscribers import Subscriber  # noqa: F401

metadata = Base.metadata
