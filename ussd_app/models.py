"""Every model, imported so the metadata is complete (Alembic autogenerate, test set-up)."""

from ussd_app.db import Base  # noqa: F401
from ussd_app.clinic import models as _clinic_models  # noqa: F401
from ussd_app.sms.outbox import OutboxMessage  # noqa: F401
from ussd_app.sms.blocklist import ErasedPhone  # noqa: F401
from ussd_app.audit import AuditEntry  # noqa: F401
from ussd_app.sms.reminder import Reminder  # noqa: F401
from ussd_app.subscribers import Subscriber  # noqa: F401
from ussd_app.voice.recordings import VoiceRecording  # noqa: F401
from ussd_app.health.enrollment import Enrollment, Facility  # noqa: F401
from ussd_app.health.outcomes import Outcome  # noqa: F401
from ussd_app.health.records import ContactAttended, DoseGiven  # noqa: F401
from ussd_app.dhis2.models import Dhis2Push  # noqa: F401
from ussd_app.savings.models import (Cycle, CycleRules, LedgerEntry, LoanTerms, Meeting, Member,  # noqa: F401
                                     PhoneChange,  # noqa: F401
                                     PinCredential, SavingsGroup)

metadata = Base.metadata
