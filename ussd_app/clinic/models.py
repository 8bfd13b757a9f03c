"""Tables of the clinic side: staff accounts, API tokens, campaigns and their messages.

A centre is named by its facility code (the health module's `facilities.code`); no foreign key,
so accounts can be created before the facility list is imported.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.ext.associationproxy import association_proxy
from sqlalchemy.orm import Mapped, attribute_keyed_dict, mapped_column, relationship

from ussd_app.clock import system_now
from ussd_app.db import Base, UTCDateTime
from ussd_app.text.languages import CODE_LENGTH

ROLES = ("staff", "admin")
CAMPAIGN_STATUSES = ("planning", "planned", "cancelled")


class StaffAccount(Base):
    __tablename__ = "clinic_staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="staff")
    facility_code: Mapped[str | None] = mapped_column(String(32), index=True)  # None: admin only
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=system_now)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Carried by each dashboard session; signing out or disabling moves it on (ends them all).
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ApiToken(Base):
    """A bearer token for one centre (or every centre when `facility_code` is None)."""

    __tablename__ = "clinic_api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    facility_code: Mapped[str | None] = mapped_column(String(32), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the secret
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=system_now)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Campaign(Base):
    __tablename__ = "clinic_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_code: Mapped[str | None] = mapped_column(String(32), index=True)  # None: all centres
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    created_by: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(120))
    audience_kind: Mapped[str] = mapped_column(String(32))
    audience_params: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    send_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="planning", index=True)
    audience_total: Mapped[int] = mapped_column(Integer, default=0)  # counted when created
    planned_count: Mapped[int] = mapped_column(Integer, default=0)
    # Keyset cursor: the last phone planned, committed with each batch so a restarted job resumes.
    plan_cursor: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=system_now)
    planning_touched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last batch planned
    planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The message, one text per language: `campaign.texts["fr"]`.
    messages: Mapped[dict[str, "CampaignText"]] = relationship(
        collection_class=attribute_keyed_dict("language"), cascade="all, delete-orphan",
        lazy="selectin")
    texts = association_proxy("messages", "body",
                              creator=lambda language, body: CampaignText(language=language, body=body))


class CampaignText(Base):
    """A campaign's message in one language (each language of ussd_app.text.languages)."""

    __tablename__ = "clinic_campaign_texts"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("clinic_campaigns.id"), primary_key=True)
    language: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True)
    body: Mapped[str] = mapped_column(Text)


class Appointment(Base):
    """A visit a centre set for a mother or child; its reminders carry `source_ref`."""

    __tablename__ = "clinic_appointments"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_code: Mapped[str] = mapped_column(String(32), index=True)
    phone: Mapped[str] = mapped_column(String(16), index=True)  # E.164
    enrollment_reference: Mapped[str | None] = mapped_column(String(8))
    visit_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=system_now)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def source_ref(self) -> str:
        return f"appointment:{self.id}"
