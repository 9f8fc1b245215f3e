"""Settings: professionals and replacements, preferences, organisms, prescribers, favourites, users, audit.

``/parametres`` lists the sections; each part lives in its own module (``settings_*.py``), included here.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from feuille.api.deps import ContextDep, needs
from feuille.auth import Permission, may
from feuille.web.pages import settings_conventions, settings_directory, settings_professionals, settings_users
from feuille.web.pages.settings_common import message
from feuille.web.templating import page

router = APIRouter()

#: The sections: (title, address, what it holds, the permission that changes it, or None when all may read).
SECTIONS = (
    ("Professionnels de santé", "/parametres/professionnels",
     "Titulaires et remplaçants, leurs préférences, le calendrier des remplacements.", None),
    ("Organismes", "/parametres/organismes", "Organismes d'assurance maladie obligatoire (AMO) et complémentaires "
     "(AMC), conventions AMC.", None),
    ("Prescripteurs", "/parametres/prescripteurs", "Les médecins prescripteurs : recherche, ajout, modification.",
     None),
    ("Mes favoris", "/parametres/favoris", "Des soins enregistrés : un libellé et une liste d'actes.", None),
    ("Utilisateurs", "/parametres/utilisateurs", "Comptes, rôles, mots de passe, désactivation.",
     Permission.USER_ADMIN),
    ("Mon mot de passe", "/parametres/mot-de-passe", "Changer votre propre mot de passe.", None),
    ("Journal d'audit", "/parametres/journal", "Les dernières opérations et la vérification du journal.",
     Permission.AUDIT_VERIFY),
)


@router.get("/parametres", include_in_schema=False, dependencies=[needs()])
def index(request: Request, ctx: ContextDep) -> Response:
    sections = [(title, address, text) for title, address, text, needed in SECTIONS
                if needed is None or may(ctx, needed)]
    return page(request, "settings/index.html", {"title": "Paramètres", "sections": sections,
                                                 "message": message(request)})


for part in (settings_professionals, settings_conventions, settings_directory, settings_users):
    router.include_router(part.router)
