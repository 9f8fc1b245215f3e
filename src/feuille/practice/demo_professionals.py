"""Demo data from the manuals: professionals, a remplaçant and his calendar, users, prescribers, favourites.

Sources: the eS-KAP+ manual (titulaire FIRMIER Alain 99610218 2; the remplaçant's test CPS
REMPEXMED0055789 Nathalie, RPPS 99700557897, billing number 99700557 key 8, caisse 991 — a key that
fails, loaded as card data with its warning; the list of prescribers), the Stellair manual
(titulaire MEDECIN0043390 Virginie, 001033901). Which days are ticked on the manual's calendar
cannot be read, so the remplaçant stands in on the week of 13 January 2025. Running it twice
changes nothing.
"""

from __future__ import annotations

from sqlalchemy import select

from feuille.auth import Context, Role, create_user
from feuille.practice import favourites, prescribers, professionals, replacements
from feuille.storage.models import Favourite, Prescriber, Professional, User

FIRMIER = {"civility": "Monsieur", "last_name": "FIRMIER", "first_name": "Alain", "billing_number": "99610218 2",
           "specialty": "24", "mode": "liberal", "situation": 1, "caisse": "991", "sector": 1}
MEDECIN = {"civility": "Madame", "last_name": "MEDECIN0043390", "first_name": "Virginie",
           "billing_number": "00103390 1", "specialty": "01", "mode": "liberal", "situation": 1, "caisse": "991",
           "sector": 1}
REMPLACANT = {"civility": "Madame", "last_name": "REMPEXMED0055789", "first_name": "NATHALIE",
              "rpps": "99700557897", "billing_number": "99700557", "billing_key": "8", "specialty": "24",
              "situation": 1, "caisse": "991", "sector": 1}
REPLACEMENT_DAYS = ["13/01/2025", "14/01/2025", "15/01/2025", "16/01/2025", "17/01/2025"]

PRESCRIBERS = [
    {"last_name": "GENE", "first_name": "Alain", "number": "99 1 14560 8"},
    {"last_name": "MASSEUR", "first_name": "Anne", "number": "99 7 10088 8"},
    {"last_name": "PAROLE", "first_name": "Jean", "number": "99 9 10331 0"},
    {"last_name": "ROY", "first_name": "Patrick", "number": "99 1 00069 6", "rpps": "00991000696", "specialty": "01"},
    {"last_name": "SOINS", "first_name": "Anne", "number": "00 1 07316 2", "specialty": "01"},
    {"last_name": "VISION", "first_name": "Jean", "number": "99 9 20315 1"},
]

USERS = [  # login, display name, role, billing number of the professional or None
    ("afirmier", "Alain FIRMIER", Role.TITULAIRE, "996102182"),
    ("vmedecin", "Virginie MEDECIN0043390", Role.TITULAIRE, "001033901"),
    ("nrempex", "Nathalie REMPEXMED0055789", Role.REMPLACANT, "997005578"),
    ("secretaire", "Secrétariat du cabinet", Role.SECRETAIRE, None),
]

FAVOURITES = [  # billing number, label, acts
    ("996102182", "Injection à domicile", [{"code": "AMI", "coefficient": "1", "indemnity": "IFD"}]),
    ("996102182", "Pansement lourd avec IK", [{"code": "AMI", "coefficient": "4", "indemnity": "IK",
                                               "distance_km": "5"}]),
    ("001033901", "Consultation", [{"code": "GS"}]),
    ("001033901", "Consultation et péridurale", [{"code": "C"}, {"code": "AFLB001", "price": "50.56"}]),
]


def load(ctx: Context) -> None:
    """Load what is missing (as the acting user, normally the administrator)."""
    _professionals(ctx)
    _users(ctx)
    _prescribers(ctx)
    _favourites(ctx)


def _pro_id(ctx: Context, billing_number: str) -> int | None:
    with ctx.db.read() as session:
        return session.scalar(select(Professional.id).where(Professional.billing_number == billing_number))


def _professionals(ctx: Context) -> None:
    for data, number in ((FIRMIER, "996102182"), (MEDECIN, "001033901")):
        if _pro_id(ctx, number) is None:
            professionals.register_professional(ctx, data, from_card=True)
    if _pro_id(ctx, "997005578") is None:
        replacements.add_remplacant(ctx, REMPLACANT, ["996102182"], REPLACEMENT_DAYS, from_card=True)


def _users(ctx: Context) -> None:
    for login, name, role, number in USERS:
        with ctx.db.read() as session:
            user = session.scalar(select(User).where(User.login == login))
        if user is None:
            create_user(ctx, login, name, role)
        if number is not None and (user is None or user.professional_id is None):
            professionals.link_user(ctx, login, number)


def _prescribers(ctx: Context) -> None:
    with ctx.db.read() as session:
        known = set(session.scalars(select(Prescriber.number)))
    for data in PRESCRIBERS:
        if str(data["number"]).replace(" ", "") not in known:
            prescribers.create_prescriber(ctx, data)


def _favourites(ctx: Context) -> None:
    with ctx.db.read() as session:
        rows = session.execute(select(Professional.billing_number, Favourite.label)
                               .join(Favourite, Favourite.professional_id == Professional.id)).all()
        known = {(number, label) for number, label in rows}
    for number, label, acts in FAVOURITES:
        if (number, label) not in known:
            favourites.create_favourite(ctx, number, label, acts)
