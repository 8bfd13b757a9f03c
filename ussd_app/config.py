"""Settings read from the environment once, when the app is created (never at import time)."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ussd_app.clock import from_settings as clock_from_settings, parse_start


def _int(env: dict, name: str, default: int) -> int:
    raw = env.get(name)
    return int(raw) if raw not in (None, "") else default


def _seconds(env: dict, name: str, default: float) -> float:
    raw = env.get(name)
    value = float(raw) if raw not in (None, "") else default
    if not 0 < value <= 60:
        raise ValueError(f"{name} must be a number of seconds above 0 and at most 60, not {raw!r}")
    return value


def _flag(env: dict, name: str) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ValueError(f"{name} must be 1 or 0, not {raw!r}")


def _mode(env: dict) -> bool:
    """USSD_ENV: `production` (the default) or `development` (local runs: `serve`, `simulate`)."""
    raw = (env.get("USSD_ENV") or "production").strip().lower()
    if raw not in ("production", "development"):
        raise ValueError(f"USSD_ENV must be production or development, not {raw!r}")
    return raw == "development"


def _networks(env: dict, name: str) -> tuple:
    raw = env.get(name) or ""
    try:
        return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in raw.split(",") if part.strip())
    except ValueError as exc:
        raise ValueError(f"{name} must be a comma-separated list of addresses or CIDR networks: {exc}") from None


def settings_from_env(**overrides) -> "Settings":
    """Settings of a command-line process: the instance folder is USSD_INSTANCE_PATH or ./instance."""
    return Settings.from_env(Path(os.environ.get("USSD_INSTANCE_PATH", Path.cwd() / "instance")), **overrides)


def cli_now() -> datetime:
    """Now, for a command-line process (the settings' clock: USSD_CLOCK_START or the system's)."""
    return clock_from_settings(settings_from_env())()


DEV_SECRET_KEY = "dev-only-secret-change-me"
MIN_SECRET_KEY = 32
MIN_CALLBACK_TOKEN = 16


class UnsafeSettings(RuntimeError):
    """Production settings that would run the service on development secrets."""


@dataclass(frozen=True)
class Settings:
    instance_path: Path
    database_url: str
    redis_url: str | None  # None: start an embedded Redis (local runs only)
    secret_key: str
    ussd_callback_token: str | None
    at_username: str
    at_api_key: str
    at_sender_id: str | None
    at_api_base_url: str | None
    sms_gateway: str  # "console", "africastalking" or "orange" (ussd_app/sms/gateways)
    session_ttl_seconds: int = 300
    resume_window_seconds: int = 600
    # Every USSD callback is answered within this (a polite END when late): the gateway gives up
    # after about 10 s. PostgreSQL statements are cut at the same bound.
    hop_deadline_seconds: float = 5.0
    quiet_hours_start: int = 20  # 20:00 Africa/Bamako
    quiet_hours_end: int = 8  # 08:00 Africa/Bamako
    sms_rate_per_second: int = 10
    # Behind HTTPS (production), the dashboard's cookie must never travel over plain HTTP.
    secure_cookies: bool = False
    # Local runs and shifted-date test runs only (ussd_app/clock.py): the clock reads this at start.
    clock_start: datetime | None = None
    # Orange's SMS API (ussd_app/sms/gateways/orange.py): the app's credentials on Orange
    # Developer, the number messages come from, an optional registered sender name, and another
    # base URL (the local fake API) instead of https://api.orange.com.
    orange_client_id: str | None = None
    orange_client_secret: str | None = None
    orange_sender_address: str | None = None
    orange_sender_name: str | None = None
    orange_api_base_url: str | None = None
    # Local runs only (`ussd-app serve`, `simulate`, the tests): development secrets are accepted.
    development: bool = False
    sms_callback_token: str | None = None
    # Gateway callbacks (/ussd, /sms/*) only from these networks when any is given.
    callback_networks: tuple = ()
    # DHIS2 monthly reports (ussd_app/dhis2/): off while DHIS2_URL is unset.
    dhis2_url: str | None = None
    dhis2_username: str = ""
    dhis2_password: str = ""
    dhis2_mapping: Path | None = None
    # /metrics answers only with this token (unset: /metrics is off).
    metrics_token: str | None = None
    # Key of the phone hashes in the erasure blocklist and the audit log (unset: SECRET_KEY).
    # Changing it forgets which phones were erased: set it once, keep it.
    person_hash_key: str | None = None
    # Voice reminders (ussd_app/voice/): the Africa's Talking number calls come from (unset: no
    # calls, everything by SMS), the token of the voice callbacks, the HTTPS address the gateway
    # fetches recordings from, where recordings are kept, and calls started per second.
    at_voice_number: str | None = None
    voice_callback_token: str | None = None
    public_base_url: str | None = None
    recordings_dir: Path | None = None
    voice_calls_per_second: int = 2
    extra: dict = field(default_factory=dict)

    @property
    def phone_hash_key(self) -> bytes:
        return (self.person_hash_key or self.secret_key).encode("utf-8")

    @classmethod
    def from_env(cls, instance_path: Path, env: dict | None = None, **overrides) -> "Settings":
        env = dict(os.environ if env is None else env)
        instance_path = Path(instance_path)
        default_db = f"sqlite:///{instance_path / 'ussd_app.sqlite3'}"
        at_username = env.get("AT_USERNAME", "sandbox")
        at_api_key = env.get("AT_API_KEY", "")
        orange_client_id = env.get("ORANGE_CLIENT_ID") or None
        values = dict(
            instance_path=instance_path,
            database_url=env.get("DATABASE_URL") or default_db,
            redis_url=env.get("REDIS_URL") or None,
            secret_key=env.get("SECRET_KEY") or DEV_SECRET_KEY,
            ussd_callback_token=env.get("USSD_CALLBACK_TOKEN") or None,
            sms_callback_token=env.get("SMS_CALLBACK_TOKEN") or None,
            callback_networks=_networks(env, "CALLBACK_ALLOWED_NETWORKS"),
            development=_mode(env),
            at_username=at_username,
            at_api_key=at_api_key,
            at_sender_id=env.get("AT_SENDER_ID") or None,
            at_api_base_url=env.get("AT_API_BASE_URL") or None,
            # Without an account there is nothing to talk to: print messages instead.
            sms_gateway=env.get("SMS_GATEWAY") or ("africastalking" if at_api_key
                                                   else "orange" if orange_client_id else "console"),
            session_ttl_seconds=_int(env, "USSD_SESSION_TTL", 300),
            resume_window_seconds=_int(env, "USSD_RESUME_WINDOW", 600),
            hop_deadline_seconds=_seconds(env, "USSD_HOP_DEADLINE", 5.0),
            quiet_hours_start=_int(env, "SMS_QUIET_START_HOUR", 20),
            quiet_hours_end=_int(env, "SMS_QUIET_END_HOUR", 8),
            sms_rate_per_second=_int(env, "SMS_RATE_PER_SECOND", 10),
            secure_cookies=_flag(env, "SECURE_COOKIES"),
            clock_start=parse_start(env["USSD_CLOCK_START"]) if env.get("USSD_CLOCK_START") else None,
            orange_client_id=orange_client_id,
            orange_client_secret=env.get("ORANGE_CLIENT_SECRET") or None,
            orange_sender_address=env.get("ORANGE_SENDER_ADDRESS") or None,
            orange_sender_name=env.get("ORANGE_SENDER_NAME") or None,
            orange_api_base_url=env.get("ORANGE_API_BASE_URL") or None,
            dhis2_url=(env.get("DHIS2_URL") or "").rstrip("/") or None,
            dhis2_username=env.get("DHIS2_USERNAME", ""),
            dhis2_password=env.get("DHIS2_PASSWORD", ""),
            dhis2_mapping=Path(env["DHIS2_MAPPING"]) if env.get("DHIS2_MAPPING") else None,
            metrics_token=env.get("METRICS_TOKEN") or None,
            person_hash_key=env.get("PERSON_HASH_KEY") or None,
            at_voice_number=env.get("AT_VOICE_NUMBER") or None,
            voice_callback_token=env.get("VOICE_CALLBACK_TOKEN") or None,
            public_base_url=(env.get("PUBLIC_BASE_URL") or "").rstrip("/") or None,
            recordings_dir=Path(env["VOICE_RECORDINGS_DIR"]) if env.get("VOICE_RECORDINGS_DIR") else None,
            voice_calls_per_second=_int(env, "VOICE_CALLS_PER_SECOND", 2),
        )
        values.update(overrides)
        return cls(**values)


def production_problems(settings: Settings) -> list[str]:
    """What keeps these settings from serving real people (empty: nothing)."""
    problems = []
    if settings.secret_key == DEV_SECRET_KEY or len(settings.secret_key) < MIN_SECRET_KEY:
        problems.append(f"set SECRET_KEY to a random value of at least {MIN_SECRET_KEY} characters "
                        "(python -c 'import secrets; print(secrets.token_urlsafe(48))')")
    for name, token in (("USSD_CALLBACK_TOKEN", settings.ussd_callback_token),
                        ("SMS_CALLBACK_TOKEN", settings.sms_callback_token)):
        if not token or len(token) < MIN_CALLBACK_TOKEN:
            problems.append(f"set {name} to a random value of at least {MIN_CALLBACK_TOKEN} characters "
                            "and give it to the gateway in the callback URL (?token=...)")
    if settings.ussd_callback_token and settings.ussd_callback_token == settings.sms_callback_token:
        problems.append("give USSD_CALLBACK_TOKEN and SMS_CALLBACK_TOKEN different values")
    if settings.at_voice_number:
        token = settings.voice_callback_token
        if not token or len(token) < MIN_CALLBACK_TOKEN:
            problems.append(f"set VOICE_CALLBACK_TOKEN to a random value of at least {MIN_CALLBACK_TOKEN} "
                            "characters and give it to the gateway in the voice callback URLs (?token=...)")
        elif token in (settings.ussd_callback_token, settings.sms_callback_token):
            problems.append("give VOICE_CALLBACK_TOKEN a value of its own")
        if not (settings.public_base_url or "").startswith("https://"):
            problems.append("set PUBLIC_BASE_URL to the service's https:// address (the gateway "
                            "fetches the recordings from it)")
    if settings.clock_start is not None:
        problems.append("unset USSD_CLOCK_START (a shifted clock is for local runs and tests)")
    return problems


def require_safe_to_serve(settings: Settings) -> None:
    """Refuse to start the web app in production on development secrets."""
    if settings.development:
        return
    problems = production_problems(settings)
    if problems:
        raise UnsafeSettings("refusing to start in production (USSD_ENV is not development):\n"
                             + "\n".join(f"  - {p}" for p in problems)
                             + "\nA local run: `ussd-app serve`, or USSD_ENV=development.")
