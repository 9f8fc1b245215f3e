"""Users, roles and the permission every service checks before it acts.

The CLI runs as a local user named by ``--utilisateur`` or ``FEUILLE_USER``; the API will
authenticate the same :class:`Actor`. Services receive a :class:`Context` and call
:func:`require` first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from feuille import audit
from feuille.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from feuille.storage import Database
from feuille.storage.models import Professional, User, WebSession
from feuille.storage.retry import use_case


class Role(StrEnum):
    TITULAIRE = "titulaire"
    REMPLACANT = "remplacant"
    SECRETAIRE = "secretaire"
    ADMINISTRATEUR = "administrateur"


ROLE_LABELS = {
    Role.TITULAIRE: "titulaire",
    Role.REMPLACANT: "remplaçant",
    Role.SECRETAIRE: "secrétaire",
    Role.ADMINISTRATEUR: "administrateur",
}


class Permission(StrEnum):
    READ = "read"                        # look at the practice's records
    PATIENT_WRITE = "patient_write"      # patients, their AMC contracts
    PATIENT_IMPORT = "patient_import"
    ORGANISM_WRITE = "organism_write"    # AMO / AMC lists
    PRESCRIBER_WRITE = "prescriber_write"
    FAVOURITE_WRITE = "favourite_write"
    PROFESSIONAL_WRITE = "professional_write"
    PREFERENCES_WRITE = "preferences_write"
    USER_ADMIN = "user_admin"
    AUDIT_VERIFY = "audit_verify"
    NOMENCLATURE_IMPORT = "nomenclature_import"
    INVOICE_DRAFT = "invoice_draft"            # draft, check rates, first signature, payments, delete a draft
    INVOICE_SIGN_FINAL = "invoice_sign_final"  # final signature, cancel by a credit note


_ALL = set(Role)
_CLINICAL = {Role.TITULAIRE, Role.REMPLACANT, Role.ADMINISTRATEUR}

GRANTS: dict[Permission, set[Role]] = {
    Permission.READ: _ALL,
    Permission.PATIENT_WRITE: _ALL,
    Permission.PATIENT_IMPORT: {Role.TITULAIRE, Role.SECRETAIRE, Role.ADMINISTRATEUR},
    Permission.ORGANISM_WRITE: _ALL,
    Permission.PRESCRIBER_WRITE: _ALL,
    Permission.FAVOURITE_WRITE: _CLINICAL,
    Permission.PROFESSIONAL_WRITE: {Role.TITULAIRE, Role.ADMINISTRATEUR},
    Permission.PREFERENCES_WRITE: _CLINICAL,
    Permission.USER_ADMIN: {Role.ADMINISTRATEUR},
    Permission.AUDIT_VERIFY: {Role.TITULAIRE, Role.ADMINISTRATEUR},
    Permission.NOMENCLATURE_IMPORT: {Role.TITULAIRE, Role.ADMINISTRATEUR},
    Permission.INVOICE_DRAFT: _ALL,
    Permission.INVOICE_SIGN_FINAL: _CLINICAL,
}

PERMISSION_LABELS = {
    Permission.READ: "consulter les données du cabinet",
    Permission.PATIENT_WRITE: "modifier les patients",
    Permission.PATIENT_IMPORT: "importer des patients",
    Permission.ORGANISM_WRITE: "modifier les organismes",
    Permission.PRESCRIBER_WRITE: "modifier les prescripteurs",
    Permission.FAVOURITE_WRITE: "modifier les favoris",
    Permission.PROFESSIONAL_WRITE: "gérer les professionnels de santé",
    Permission.PREFERENCES_WRITE: "modifier les préférences",
    Permission.USER_ADMIN: "gérer les utilisateurs",
    Permission.AUDIT_VERIFY: "vérifier le journal d'audit",
    Permission.NOMENCLATURE_IMPORT: "importer une nomenclature",
    Permission.INVOICE_DRAFT: "saisir des factures",
    Permission.INVOICE_SIGN_FINAL: "signer définitivement ou annuler une facture",
}


@dataclass(frozen=True)
class Actor:
    login: str
    role: Role
    user_id: int | None = None


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class Context:
    """What every use case receives: where to store, who acts, what time it is."""

    db: Database
    actor: Actor
    clock: Callable[[], datetime] = field(default=utc_now)


def require(ctx: Context, permission: Permission) -> None:
    if ctx.actor.role not in GRANTS[permission]:
        raise PermissionDeniedError(
            f"L'utilisateur « {ctx.actor.login} » ({ROLE_LABELS[ctx.actor.role]}) n'a pas le droit de "
            f"{PERMISSION_LABELS[permission]}.",
            code="permission_denied",
            detail=f"{ctx.actor.login} ({ctx.actor.role}) lacks {permission}",
        )


def may(ctx: Context, permission: Permission) -> bool:
    """Whether the acting user holds ``permission`` (what a screen offers; the service still checks)."""
    return ctx.actor.role in GRANTS[permission]


def parse_role(value: str) -> Role:
    text = value.strip().lower().replace("ç", "c").replace("é", "e")
    try:
        return Role(text)
    except ValueError:
        choices = ", ".join(ROLE_LABELS.values())
        raise ValidationError(f"Rôle « {value} » inconnu (choix : {choices}).", code="role",
                              field="role") from None


def bootstrap(db: Database, login: str = "admin") -> None:
    """Create the first administrator on an empty database, so the practice can start."""
    with db.read() as session:  # every command starts here: a read, so that it does not queue behind a writer
        if session.scalar(select(User.id).limit(1)) is not None:
            return
    with db.transaction() as session:
        if session.scalar(select(User.id).limit(1)) is not None:
            return
        now = utc_now()
        user = User(login=login, display_name="Administrateur", role=Role.ADMINISTRATEUR,
                    active=True, created_at=now)
        session.add(user)
        session.flush()
        audit.record(session, actor="systeme", at=now, action="user.create", entity="user",
                     entity_id=str(user.id), data={"login": login, "role": str(Role.ADMINISTRATEUR)})


def actor_for(db: Database, login: str) -> Actor:
    with db.read() as session:
        user = session.scalar(select(User).where(User.login == login))
    if user is None or not user.active:
        raise NotFoundError(f"Utilisateur « {login} » inconnu ou désactivé.", code="user_unknown",
                            field="utilisateur")
    return Actor(login=user.login, role=Role(user.role), user_id=user.id)


def create_user(ctx: Context, login: str, display_name: str, role: Role) -> int:
    require(ctx, Permission.USER_ADMIN)
    login = login.strip()
    if not login or len(login) > 64 or not login.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise ValidationError("Identifiant : lettres, chiffres, « . », « - » ou « _ » (64 au plus).",
                              code="login", field="login")
    with ctx.db.transaction() as session:
        if session.scalar(select(User.id).where(User.login == login)) is not None:
            raise ConflictError(f"L'utilisateur « {login} » existe déjà.", code="user_exists", field="login")
        user = User(login=login, display_name=display_name.strip() or login, role=role, active=True,
                    created_at=ctx.clock())
        session.add(user)
        session.flush()
        audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="user.create", entity="user",
                     entity_id=str(user.id), data={"login": login, "role": str(role)})
        return user.id


@dataclass(frozen=True)
class UserView:
    """A user as services hand it to interfaces (never the ORM row)."""

    id: int
    login: str
    display_name: str
    role: Role
    active: bool
    professional_id: int | None


def list_users(ctx: Context) -> list[UserView]:
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        return [UserView(u.id, u.login, u.display_name, Role(u.role), u.active, u.professional_id)
                for u in session.scalars(select(User).order_by(User.login))]


def own_professional(ctx: Context) -> int | None:
    """The professional the acting user bills as (None: he bills for no one, or the actor is not a stored user)."""
    require(ctx, Permission.READ)
    if not ctx.actor.user_id:
        return None
    with ctx.db.read() as session:
        return session.scalar(select(User.professional_id).where(User.id == ctx.actor.user_id))


def set_user_active(ctx: Context, login: str, active: bool) -> bool:
    """Disable a user (he can no longer sign in, his web sessions end at once) or enable him again; True when it
    changed. Nobody disables himself, and the last active administrator stays."""
    require(ctx, Permission.USER_ADMIN)
    with ctx.db.transaction() as session:
        user = session.scalar(select(User).where(User.login == (login or "").strip()))
        if user is None:
            raise NotFoundError(f"Utilisateur « {str(login)[:64]} » inconnu.", code="user_unknown", field="login")
        if user.active == active:
            return False
        if not active and user.login == ctx.actor.login:
            raise ValidationError("Vous ne pouvez pas désactiver votre propre compte.", code="user_self",
                                  field="login")
        if not active:
            _keep_an_administrator(session, user, "il ne peut pas être désactivé", "login")
        user.active = active
        audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="user.enable" if active else
                     "user.disable", entity="user", entity_id=str(user.id), data={"login": user.login})
        return True


def set_user_role(ctx: Context, login: str, role: Role) -> bool:
    """Change a user's role (True when it changed); see :func:`update_user`."""
    return update_user(ctx, login, role=role)


@use_case
def update_user(ctx: Context, login: str, *, role: Role | None = None, display_name: str | None = None) -> bool:
    """An administrator changes a user's role and/or displayed name in one go; True when anything changed.

    A new role ends the user's open web sessions, so that it applies at once (he signs in again). Refused: one's
    own role (another administrator changes it), the last active administrator's, and the role of a user linked to
    a professional of another kind (a titulaire user acts as his titulaire: unlink him first)."""
    require(ctx, Permission.USER_ADMIN)
    name = None if display_name is None else display_name.strip()
    if name is not None and len(name) > 128:
        raise ValidationError("Nom affiché : 128 caractères au plus.", code="display_name", field="display_name")
    with ctx.db.transaction() as session:
        user = session.scalar(select(User).where(User.login == (login or "").strip()))
        if user is None:
            raise NotFoundError(f"Utilisateur « {str(login)[:64]} » inconnu.", code="user_unknown", field="login")
        changes: dict[str, str] = {}
        if name is not None and (name or user.login) != user.display_name:
            changes["display_name"] = name or user.login
        if role is not None and Role(user.role) != role:
            _check_role_change(session, ctx, user, role)
            changes["role"] = str(role)
        if not changes:
            return False
        for key, value in changes.items():
            setattr(user, key, value)
        if "role" in changes:
            # The role is read again on each request; closing the sessions also drops their CSRF tokens.
            session.execute(update(WebSession).where(WebSession.user_id == user.id, WebSession.closed_at.is_(None))
                            .values(closed_at=ctx.clock()))
        audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="user.update", entity="user",
                     entity_id=str(user.id), data={"login": user.login, **changes})
        return True


def _check_role_change(session: Session, ctx: Context, user: User, role: Role) -> None:
    if user.login == ctx.actor.login:
        raise ValidationError("Vous ne pouvez pas changer votre propre rôle : un autre administrateur le fera.",
                              code="user_self", field="role")
    _keep_an_administrator(session, user, "il garde ce rôle", "role")
    if user.professional_id is not None:
        pro = session.get(Professional, user.professional_id)
        if pro is not None and pro.kind != role.value:
            raise ValidationError(f"Rôle : « {user.login} » est lié au professionnel {pro.last_name} "
                                  f"{pro.first_name} ({ROLE_LABELS[Role(pro.kind)]}) ; déliez-le d'abord "
                                  "(Paramètres › Professionnels de santé).", code="user_role", field="role")


def _keep_an_administrator(session: Session, user: User, refusal: str, field: str) -> None:
    """The last active administrator is neither demoted nor disabled.

    The active administrators are locked (in id order) so that two administrators demoting or disabling each other
    at the same time cannot both succeed (PostgreSQL; SQLite has one writer at a time)."""
    if user.role != Role.ADMINISTRATEUR or not user.active:
        return
    admins = session.scalars(select(User.id).where(User.role == Role.ADMINISTRATEUR.value, User.active.is_(True))
                             .order_by(User.id).with_for_update()).all()
    if not [other for other in admins if other != user.id]:
        raise ValidationError(f"« {user.login} » est le dernier administrateur actif : {refusal}.",
                              code="last_admin", field=field)


AUDIT_PAGE = 50


def audit_page(ctx: Context, page: int = 1) -> tuple[list[audit.EntryView], int]:
    """The audit log, newest first, ``AUDIT_PAGE`` entries a page (page 1 the newest), and the number of pages."""
    require(ctx, Permission.AUDIT_VERIFY)
    if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= 1_000_000:
        raise ValidationError("Page : un entier de 1 à 1 000 000 est attendu.", code="page", field="page")
    entries, total = audit.newest(ctx.db, AUDIT_PAGE, (page - 1) * AUDIT_PAGE)
    return entries, max(1, -(-total // AUDIT_PAGE))


def verify_audit(ctx: Context) -> audit.AuditReport:
    """« Vérifier le journal »: whether no entry was edited, removed or inserted."""
    require(ctx, Permission.AUDIT_VERIFY)
    return audit.verify(ctx.db)
