"""Every model, imported so the metadata is complete (Alembic autogenerate, test set-up)."""

from ussd_app.db import Base  # noqa: F401
from ussd_app.clinic import models as _clinic_models  # noqa: F401
from ussd_app.sms.outbox import OutboxMessage  # noqa: F401
from ussd_app.sms.reminder import Reminder  # noqa: F401
from ussd_app.subscribers import Subscriber  # noqa: F401
from ussd_app.voice.recordings import VoiceRecording  # noqa: F401
from ussd_app.health.enrollment import Enrollment, Facility  # noqa: F401
from ussd_app.dhis2.models import Dhis2Push  # noqa: F401
from ussd_app.savings.models import (Cycle, LedgerEntry, Meeting, Member,  # noqa: F401
                                     PinCredential, SavingsGroup)

metadata = Base.metadata
