"""Web sign-in: passwords (argon2), sessions kept in the database, the sign-in rate limit, refusals audited.

Sessions live in ``web_sessions`` rather than in a signed cookie so that several worker processes, or several
machines on PostgreSQL, serve the same users, and so that signing out or disabling a user ends a session at once.
The browser holds a random token; the table holds its SHA-256 only. Each session carries its own CSRF token,
which every form and every htmx request sends back.

The rate limit counts failed attempts in the database, for the same reason: a guesser spread over four workers
meets one counter.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from feuille import audit
from feuille.auth import ROLE_LABELS, Actor, Context, Permission, Role, require, utc_now
from feuille.errors import NotFoundError, PermissionDeniedError, Problem, ValidationError
from feuille.storage import Database
from feuille.storage.models import SignInAttempt, User, WebSession

IDLE = timedelta(minutes=30)           # a session unused this long is over (the desk was left)
LIFETIME = timedelta(hours=12)         # and none outlives a working day
TOUCH_EVERY = timedelta(minutes=1)     # last_seen_at is written at most this often (not on every request)
WINDOW = timedelta(minutes=15)         # the rate limit's window
MAX_FAILURES_PER_LOGIN = 5
MAX_FAILURES_PER_ADDRESS = 30
MIN_PASSWORD = 10

_hasher = PasswordHasher()
# Verified when the login is unknown, so that an unknown login costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("feuille-mot-de-passe-factice")


@dataclass(frozen=True)
class SignedIn:
    """What the browser keeps (``token`` in a cookie) and what its pages send back (``csrf``)."""

    token: str
    csrf: str
    actor: Actor
    display_name: str
    expires_at: datetime


@dataclass(frozen=True)
class SessionView:
    csrf: str
    actor: Actor
    display_name: str
    professional_id: int | None
    expires_at: datetime

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.actor.role]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password_rule(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationError(f"Le mot de passe doit compter au moins {MIN_PASSWORD} caractères.",
                              code="mot_de_passe_court", field="mot_de_passe")
    if len(password) > 256:
        raise ValidationError("Le mot de passe dépasse 256 caractères.", code="mot_de_passe_long",
                              field="mot_de_passe")


def set_password(ctx: Context, login: str, password: str, confirmation: str | None = None) -> None:
    """Set a user's web password: an administrator for anyone, every user for himself. ``confirmation`` (the
    password typed a second time, when the interface asks for it) must be the same."""
    if login != ctx.actor.login:
        require(ctx, Permission.USER_ADMIN)
    check_password_rule(password)
    if confirmation is not None and confirmation != password:
        raise ValidationError("Confirmation : elle diffère du mot de passe.", code="confirmation_differente",
                              field="confirmation")
    hashed = _hasher.hash(password)
    with ctx.db.transaction() as session:
        user = session.scalar(select(User).where(User.login == login))
        if user is None:
            raise NotFoundError(f"Utilisateur « {login} » inconnu.", code="user_unknown", field="login")
        user.password_hash = hashed
        # Every open session of the user ends: a changed password is often a stolen one.
        session.execute(update(WebSession).where(WebSession.user_id == user.id, WebSession.closed_at.is_(None))
                        .values(closed_at=ctx.clock()))
        audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="user.password", entity="user",
                     entity_id=str(user.id), data={"login": login})


def change_own_password(ctx: Context, current: str, new: str, confirmation: str) -> None:
    """A user changes his own password: the current one first, the new one twice (every problem at once). His
    open sessions end, this one too: he signs in again with the new password."""
    problems: list[Problem] = []
    with ctx.db.read() as session:
        stored = session.scalar(select(User.password_hash).where(User.login == ctx.actor.login))
    try:
        good = stored is not None and _hasher.verify(stored, current or "")
    except (VerificationError, InvalidHashError):
        good = False
    if not good:
        problems.append(Problem("mot_de_passe_actuel", "mot_de_passe_faux", "Mot de passe actuel incorrect."))
    try:
        check_password_rule(new or "")
    except ValidationError as error:
        problems.append(Problem("mot_de_passe", error.code, error.message))
    if (new or "") != (confirmation or ""):
        problems.append(Problem("confirmation", "confirmation_differente",
                                "Confirmation : elle diffère du nouveau mot de passe."))
    if problems:
        raise ValidationError("Le mot de passe n'a pas été changé : " + " ".join(p.message for p in problems),
                              code="mot_de_passe_refuse", problems=problems)
    set_password(ctx, ctx.actor.login, new)


def set_initial_password(ctx: Context, login: str, password: str) -> bool:
    """Give a password to a user who has none (the demo's accounts); True when it was set. Idempotent: a user who
    already has one keeps it (he may have changed it)."""
    require(ctx, Permission.USER_ADMIN)
    with ctx.db.read() as session:
        stored = session.scalar(select(User.password_hash).where(User.login == login))
    if stored is not None:
        return False
    set_password(ctx, login, password)
    return True


def _refused() -> ValidationError:
    return ValidationError("Identifiant ou mot de passe incorrect.", code="connexion_refusee", field="mot_de_passe")


def _limited(session: Session, login: str, address: str, now: datetime) -> bool:
    since = now - WINDOW
    failures = (select(func.count()).select_from(SignInAttempt)
                .where(SignInAttempt.at >= since, SignInAttempt.success.is_(False)))
    by_login = session.scalar(failures.where(SignInAttempt.login == login)) or 0
    by_address = session.scalar(failures.where(SignInAttempt.address == address)) or 0
    return by_login >= MAX_FAILURES_PER_LOGIN or by_address >= MAX_FAILURES_PER_ADDRESS


def sign_in(db: Database, login: str, password: str, address: str, now: datetime | None = None) -> SignedIn:
    """Open a session, or refuse in French: wrong pair, disabled user, too many failures."""
    now = now or utc_now()
    login = login.strip()[:64]
    address = address[:64]
    with db.read() as session:
        if _limited(session, login, address, now):
            raise PermissionDeniedError(
                f"Trop d'essais de connexion : réessayez dans {int(WINDOW.total_seconds() // 60)} minutes.",
                code="connexion_limitee", field="identifiant")
        user = session.execute(select(User.id, User.login, User.role, User.display_name, User.active,
                                      User.password_hash).where(User.login == login)).one_or_none()
    stored = user.password_hash if user is not None else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
        good = stored is not None and user is not None and user.active
    except (VerificationError, InvalidHashError):
        good = False
    with db.transaction() as session:
        session.add(SignInAttempt(login=login, address=address, at=now, success=good))
        if good and user is not None:
            token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            expires = now + LIFETIME
            row = WebSession(token_hash=_digest(token), user_id=user.id, csrf=csrf, created_at=now,
                             last_seen_at=now, expires_at=expires)
            session.add(row)
            session.flush()
            audit.record(session, actor=login, at=now, action="session.open", entity="user",
                         entity_id=str(user.id), data={"address": address})
            actor = Actor(login=user.login, role=Role(user.role), user_id=user.id)
            return SignedIn(token=token, csrf=csrf, actor=actor, display_name=user.display_name, expires_at=expires)
    raise _refused()


def resolve(db: Database, token: str | None, now: datetime | None = None) -> SessionView | None:
    """The session a token opens, or None (unknown, closed, idle too long, past its lifetime, user disabled)."""
    if not token or len(token) > 128:
        return None
    now = now or utc_now()
    with db.read() as session:
        row = session.execute(
            select(WebSession.id, WebSession.csrf, WebSession.last_seen_at, WebSession.expires_at, User.login,
                   User.role, User.id, User.display_name, User.professional_id)
            .join(User, User.id == WebSession.user_id)
            .where(WebSession.token_hash == _digest(token), WebSession.closed_at.is_(None), User.active.is_(True))
        ).one_or_none()
    if row is None or row.expires_at <= now or now - row.last_seen_at > IDLE:
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        with db.transaction() as session:
            session.execute(update(WebSession).where(WebSession.id == row.id).values(last_seen_at=now))
    actor = Actor(login=row.login, role=Role(row.role), user_id=row[6])
    return SessionView(csrf=row.csrf, actor=actor, display_name=row.display_name,
                       professional_id=row.professional_id, expires_at=row.expires_at)


def sign_out(db: Database, token: str | None, now: datetime | None = None) -> None:
    """Close the session (idempotent: an unknown or closed token changes nothing)."""
    if not token:
        return
    now = now or utc_now()
    with db.transaction() as session:
        row = session.scalar(select(WebSession).where(WebSession.token_hash == _digest(token),
                                                      WebSession.closed_at.is_(None)))
        if row is None:
            return
        row.closed_at = now
        audit.record(session, actor="systeme", at=now, action="session.close", entity="user",
                     entity_id=str(row.user_id), data={})


def record_refusal(db: Database, actor: Actor, what: str, code: str, now: datetime | None = None) -> None:
    """Audit a refused access (a role without the right): who, what was asked, which rule refused."""
    now = now or utc_now()
    with db.transaction() as session:
        audit.record(session, actor=actor.login, at=now, action="access.denied", entity="user",
                     entity_id=str(actor.user_id or ""), data={"what": what[:200], "code": code})
