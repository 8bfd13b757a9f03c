"""Staff accounts and API tokens: creation, password checks, token lookup. Never commits."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from ussd_app.clinic.models import ROLES, ApiToken, StaffAccount

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
FACILITY_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,31}$")  # as the health module writes them
MIN_PASSWORD = 10
TOKEN_PREFIX = "csk_"

_hasher = PasswordHasher()
# Checked when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class AccountError(ValueError):
    pass


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_staff(db, *, username: str, password: str, role: str = "staff",
                 facility_code: str | None = None, display_name: str = "",
                 now: datetime) -> StaffAccount:
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise AccountError("username: 2-64 characters among a-z 0-9 . _ -")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if role == "staff" and not facility_code:
        raise AccountError("a staff account needs the facility code of its centre")
    facility_code = facility_code.strip().upper() if facility_code else None
    if facility_code is not None and not FACILITY_CODE.match(facility_code):
        raise AccountError("facility code: capital letters, digits and - (at most 32)")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password: at least {MIN_PASSWORD} characters")
    if db.scalar(select(StaffAccount.id).where(StaffAccount.username == username)) is not None:
        raise AccountError(f"username {username!r} is taken")
    account = StaffAccount(username=username, password_hash=hash_password(password), role=role,
                           facility_code=facility_code, display_name=display_name or username,
                           active=True, created_at=now)
    db.add(account)
    db.flush()
    return account


def authenticate(db, username: str, password: str, *, now: datetime) -> StaffAccount | None:
    account = db.scalar(select(StaffAccount).where(StaffAccount.username == username.strip().lower()))
    stored = account.password_hash if account is not None and account.active else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if account is None or not account.active:
        return None
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    account.last_login_at = now
    return account


def set_password(db, account: StaffAccount, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password: at least {MIN_PASSWORD} characters")
    account.password_hash = hash_password(password)


def end_sessions(account: StaffAccount) -> None:
    """Every dashboard session of the account ends (the server refuses their cookies)."""
    account.session_generation = (account.session_generation or 0) + 1


def disable_staff(db, account: StaffAccount) -> None:
    """The account can no longer sign in, and its open sessions end now."""
    account.active = False
    end_sessions(account)


def revoke_api_token(db, token_id: int, *, now: datetime) -> ApiToken:
    token = db.get(ApiToken, token_id)
    if token is None:
        raise AccountError(f"no API token {token_id}")
    if token.revoked_at is None:
        token.revoked_at = now
    return token


def _token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_api_token(db, *, name: str, facility_code: str | None, now: datetime) -> tuple[ApiToken, str]:
    """A new token; the secret is returned once and only its hash is stored."""
    facility_code = facility_code.strip().upper() if facility_code else None
    if facility_code is not None and not FACILITY_CODE.match(facility_code):
        raise AccountError("facility code: capital letters, digits and - (at most 32)")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name, facility_code=facility_code, token_hash=_token_digest(secret),
                     created_at=now)
    db.add(token)
    db.flush()
    return token, secret


def token_for(db, secret: str, *, now: datetime) -> ApiToken | None:
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = db.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(secret)))
    if token is None or token.revoked_at is not None:
        return None
    token.last_used_at = now
    return token
