"""What the settings pages share: the confirmation after a change (PRG), the deletion question, form values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from feuille.errors import ConflictError, NotFoundError, StateError, ValidationError
from feuille.web.templating import page

#: What a form shows beside its fields; a refusal for want of a right (PermissionDeniedError) is left to the
#: application's handler, which answers the 403 page and audits it.
Refused = (ValidationError, ConflictError, StateError, NotFoundError)

#: The confirmation each change leads to (``?fait=<key>`` on the page that shows the result).
DONE = {
    "pro_cree": "Professionnel enregistré.",
    "pro_modifie": "Données du professionnel enregistrées.",
    "pro_supprime": "Professionnel supprimé.",
    "preferences": "Préférences enregistrées.",
    "utilisateur_lie": "Utilisateur lié au professionnel.",
    "titulaire_coche": "Titulaire coché pour ce remplaçant.",
    "titulaire_decoche": "Titulaire décoché : le remplaçant ne facture plus pour lui.",
    "jours_ajoutes": "Jours de remplacement ajoutés.",
    "jours_retires": "Jours de remplacement retirés.",
    "amo_cree": "Organisme AMO ajouté.",
    "amo_modifie": "Organisme AMO modifié.",
    "amo_supprime": "Organisme AMO supprimé.",
    "amc_cree": "Organisme AMC ajouté.",
    "amc_modifie": "Organisme AMC modifié.",
    "amc_supprime": "Organisme AMC supprimé.",
    "convention_creee": "Convention AMC ajoutée.",
    "prescripteur_cree": "Prescripteur enregistré.",
    "prescripteur_modifie": "Prescripteur modifié.",
    "prescripteur_supprime": "Prescripteur supprimé.",
    "favori_cree": "Favori enregistré.",
    "favori_modifie": "Favori modifié.",
    "favori_supprime": "Favori supprimé.",
    "utilisateur_cree": "Utilisateur créé.",
    "utilisateur_modifie": "Utilisateur modifié ; un nouveau rôle s'applique dès sa prochaine connexion (ses "
                           "sessions ouvertes sont fermées).",
    "rien_change": "Rien n'a changé.",
    "mot_de_passe": "Mot de passe enregistré ; les sessions ouvertes de cet utilisateur sont fermées.",
    "mon_mot_de_passe": "Votre mot de passe est changé.",
    "desactive": "Utilisateur désactivé : il ne peut plus se connecter.",
    "active": "Utilisateur réactivé.",
}


def done(address: str, key: str, **query: object) -> RedirectResponse:
    """After a change: 303 to the page that shows it, with its French confirmation."""
    params = urlencode({**{k: v for k, v in query.items() if v is not None}, "fait": key})
    return RedirectResponse(f"{address}?{params}", status_code=303)


def message(request: Request) -> str | None:
    return DONE.get(request.query_params.get("fait", ""))


async def form_values(request: Request) -> dict[str, str]:
    """The form's fields as text (the CSRF token aside); a field sent twice keeps its last value."""
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str) and key != "csrf"}


def chosen(values: Mapping[str, Any], *names: str) -> dict[str, Any]:
    """The named fields that were sent (what a service receives as changes)."""
    return {name: values[name] for name in names if name in values}


def confirm(request: Request, title: str, question: str, back: str) -> Response:
    """The manual's confirmation before a deletion: « Oui » sends the deletion (to this same address), « Non »
    goes back without deleting."""
    return page(request, "settings/confirmer.html", {"title": title, "question": question,
                                                     "action": request.url.path, "back": back})
