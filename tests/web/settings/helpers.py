"""What the settings tests share: a titulaire and a remplaçant through the services, a field's message."""

from __future__ import annotations

import re
from html import unescape

from feuille import audit
from feuille.auth import Context, actor_for
from feuille.practice import professionals, replacements
from feuille.storage import Database

TITULAIRE = {"civility": "M", "last_name": "FIRMIER", "first_name": "Alain", "billing_number": "996102182",
             "specialty": "24", "caisse": "991", "mode": "liberal", "situation": "1", "sector": "1"}
REMPLACANT = {"civility": "MME", "last_name": "REMPLA", "first_name": "Nathalie", "billing_number": "997005574",
              "specialty": "24", "caisse": "991", "mode": "remplacant", "situation": "1", "sector": "1"}


def admin(db: Database) -> Context:
    return Context(db=db, actor=actor_for(db, "admin"))


def titulaire_and_remplacant(db: Database) -> tuple[int, int]:
    ctx = admin(db)
    tit = professionals.register_professional(ctx, TITULAIRE).id
    rempl = replacements.add_remplacant(ctx, REMPLACANT, [tit]).id
    return tit, rempl


def beside(html: str, field: str) -> list[str]:
    """The messages shown beside a field (the macros' ``<p class="message-champ" id="FIELD-erreur">``)."""
    pattern = re.compile(r'<p class="message-champ" id="' + re.escape(field) + r'-erreur">(.*?)</p>', re.S)
    return [unescape(text) for text in pattern.findall(html)]


def text(html: str) -> str:
    return " ".join(unescape(html).split())


def audit_count(db: Database) -> int:
    return audit.newest(db, 1)[1]


def last_action(db: Database) -> str:
    return audit.newest(db, 1)[0][0].action
