"""Settings: the AMO and AMC organisms, the prescribers (search as you type) and the favourites (« Mes favoris »)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from feuille.api.deps import ContextDep, SessionDep, needs
from feuille.auth import Permission
from feuille.domain.favourites import INDEMNITIES, QUALIFIER_LABELS
from feuille.domain.organisms import MANAGEMENT_LABELS
from feuille.domain.professionals import SPECIALTIES, specialty_label
from feuille.errors import FeuilleError
from feuille.practice import favourites, organisms, prescribers, professionals
from feuille.web.pages.settings_common import Refused, chosen, confirm, done, form_values, message
from feuille.web.templating import page

router = APIRouter()

ORGANISMS = "/parametres/organismes"
PRESCRIBERS = "/parametres/prescripteurs"
FAVOURITES = "/parametres/favoris"

#: Each organism list: its fields as (name, label, required, hint), the services that drive it.
AMO_FIELDS = (("regime", "Régime", True, "2 chiffres, ex. 01"), ("caisse", "Caisse", True, "3 chiffres, ex. 349"),
              ("centre", "Centre", True, "4 chiffres, ex. 9881"), ("name", "Libellé", False, ""),
              ("flux", "Flux", False, ""), ("recipient_type", "Type destinataire", False, ""),
              ("comment", "Commentaire", False, ""))
AMC_FIELDS = (("name", "Nom", True, ""), ("number", "Numéro AMC", True, "jusqu'à 10 caractères, ex. 75500017"),
              ("contract_type", "Type de contrat", True, "1 ou 2 chiffres"), ("address", "Adresse", False, ""),
              ("postcode", "Code postal", False, ""), ("town", "Ville", False, ""),
              ("phone", "Téléphone", False, ""), ("fax", "Fax", False, ""), ("email", "Courriel", False, ""),
              ("contact", "Contact", False, ""), ("prefectoral_number", "N° préfectoral", False, ""),
              ("dre_address", "Adresse DRE", False, ""), ("comment", "Commentaire", False, ""))
KINDS: dict[str, dict[str, Any]] = {
    "amo": {"title": "organisme AMO", "fields": AMO_FIELDS, "add": organisms.add_amo_organism,
            "update": organisms.update_amo_organism, "get": organisms.get_amo_organism,
            "delete": organisms.delete_amo_organism},
    "amc": {"title": "organisme AMC", "fields": AMC_FIELDS, "add": organisms.add_amc_organism,
            "update": organisms.update_amc_organism, "get": organisms.get_amc_organism,
            "delete": organisms.delete_amc_organism},
}
MANAGEMENTS = [(m.value, label) for m, label in MANAGEMENT_LABELS.items()]


def _organism_names(kind: str) -> tuple[str, ...]:
    names = tuple(name for name, *_ in KINDS[kind]["fields"])
    return names + (("management", "dre_accepted") if kind == "amc" else ())


def _organism_data(kind: str, values: dict[str, str]) -> dict[str, object]:
    data: dict[str, object] = chosen(values, *_organism_names(kind))
    if kind == "amc":
        data["dre_accepted"] = "oui" if values.get("dre_accepted") else "non"
    return data


# ---------------------------------------------------------------------------------------------
# Organisms


@router.get(ORGANISMS, include_in_schema=False, dependencies=[needs(Permission.READ)])
def organisms_page(request: Request, ctx: ContextDep, recherche: str = "") -> Response:
    text = recherche[:60]
    return page(request, "settings/organismes.html", {
        "title": "Organismes", "recherche": text, "amo": organisms.list_amo_organisms(ctx, text or None),
        "amc": organisms.list_amc_organisms(ctx, text or None), "managements": dict(MANAGEMENTS),
        "message": message(request)})


def _organism_form(request: Request, kind: str, values: dict[str, str], organism_id: int | None,
                   error: FeuilleError | None = None) -> Response:
    spec = KINDS[kind]
    title = f"Modifier l'{spec['title']}" if organism_id else f"Ajouter un {spec['title']}"
    return page(request, "settings/organisme.html", {
        "title": title, "kind": kind, "fields": spec["fields"], "values": values, "organism_id": organism_id,
        "managements": MANAGEMENTS, "message": message(request)},
        status=error.http_status if error else 200, error=error)


@router.get(ORGANISMS + "/{kind:str}/nouveau", include_in_schema=False, dependencies=[needs()])
def organism_new(request: Request, ctx: ContextDep, kind: str) -> Response:
    if kind not in KINDS:
        return page(request, "erreur.html", {"title": "Page introuvable"}, status=404)
    return _organism_form(request, kind, {"management": "separee"}, None)


@router.post(ORGANISMS + "/{kind:str}/nouveau", include_in_schema=False,
             dependencies=[needs(Permission.ORGANISM_WRITE)])
async def organism_create(request: Request, ctx: ContextDep, kind: str) -> Response:
    if kind not in KINDS:
        return page(request, "erreur.html", {"title": "Page introuvable"}, status=404)
    values = await form_values(request)
    try:
        KINDS[kind]["add"](ctx, _organism_data(kind, values))
    except Refused as error:
        return _organism_form(request, kind, values, None, error)
    return done(ORGANISMS, f"{kind}_cree")


def _organism_values(kind: str, view: Any) -> dict[str, str]:
    values = {name: "" if getattr(view, name) is None else str(getattr(view, name)) for name in _organism_names(kind)
              if name != "dre_accepted"}
    if kind == "amc":
        values["dre_accepted"] = "oui" if view.dre_accepted else ""
    return values


@router.get(ORGANISMS + "/{kind:str}/{organism_id:int}", include_in_schema=False, dependencies=[needs(Permission.READ)])
def organism_page(request: Request, ctx: ContextDep, kind: str, organism_id: int) -> Response:
    if kind not in KINDS:
        return page(request, "erreur.html", {"title": "Page introuvable"}, status=404)
    return _organism_form(request, kind, _organism_values(kind, KINDS[kind]["get"](ctx, organism_id)), organism_id)


@router.post(ORGANISMS + "/{kind:str}/{organism_id:int}", include_in_schema=False,
             dependencies=[needs(Permission.ORGANISM_WRITE)])
async def organism_update(request: Request, ctx: ContextDep, kind: str, organism_id: int) -> Response:
    if kind not in KINDS:
        return page(request, "erreur.html", {"title": "Page introuvable"}, status=404)
    values = await form_values(request)
    try:
        KINDS[kind]["update"](ctx, organism_id, _organism_data(kind, values))
    except Refused as error:
        return _organism_form(request, kind, values, organism_id, error)
    return done(ORGANISMS, f"{kind}_modifie")


@router.get(ORGANISMS + "/{kind:str}/{organism_id:int}/supprimer", include_in_schema=False,
            dependencies=[needs(Permission.READ)])
def organism_delete_confirm(request: Request, ctx: ContextDep, kind: str, organism_id: int) -> Response:
    if kind not in KINDS:
        return page(request, "erreur.html", {"title": "Page introuvable"}, status=404)
    view = KINDS[kind]["get"](ctx, organism_id)
    name = view.code if kind == "amo" else f"{view.name} ({view.number})"
    return confirm(request, f"Supprimer un {KINDS[kind]['title']}", f"Supprimer l'{KINDS[kind]['title']} {name} ?",
                   f"{ORGANISMS}/{kind}/{organism_id}")


@router.post(ORGANISMS + "/{kind:str}/{organism_id:int}/supprimer", include_in_schema=False,
             dependencies=[needs(Permission.ORGANISM_WRITE)])
def organism_delete(request: Request, ctx: ContextDep, kind: str, organism_id: int) -> Response:
    if kind not in KINDS:
        return page(request, "erreur.html", {"title": "Page introuvable"}, status=404)
    KINDS[kind]["delete"](ctx, organism_id)
    return done(ORGANISMS, f"{kind}_supprime")


# ---------------------------------------------------------------------------------------------
# Prescribers


SPECIALTY_CHOICES = [("", "— aucune —")] + [(code, specialty_label(code)) for code in SPECIALTIES]
PRESCRIBER_FIELDS = ("last_name", "first_name", "number", "rpps", "specialty")


ORDERS = [("croissant", "Ordre croissant (A → Z)"), ("decroissant", "Ordre décroissant (Z → A)")]


def _prescribers(request: Request, ctx: ContextDep, text: str, order: str, values: dict[str, str],
                 error: FeuilleError | None = None) -> Response:
    found = prescribers.search_prescribers(ctx, text, descending=order == "decroissant", limit=200)
    return page(request, "settings/prescripteurs.html", {
        "title": "Prescripteurs", "recherche": text, "ordre": order, "orders": ORDERS, "found": found,
        "values": values, "specialties": SPECIALTY_CHOICES, "specialty_label": specialty_label,
        "message": message(request)}, status=error.http_status if error else 200, error=error)


@router.get(PRESCRIBERS, include_in_schema=False, dependencies=[needs(Permission.READ)])
def prescribers_page(request: Request, ctx: ContextDep, recherche: str = "", ordre: str = "croissant") -> Response:
    return _prescribers(request, ctx, recherche[:60], ordre, {})


@router.get(PRESCRIBERS + "/liste", include_in_schema=False, dependencies=[needs(Permission.READ)])
def prescribers_rows(request: Request, ctx: ContextDep, recherche: str = "", ordre: str = "croissant") -> Response:
    """The list alone, for the search as you type (htmx)."""
    found = prescribers.search_prescribers(ctx, recherche[:60], descending=ordre == "decroissant", limit=200)
    return page(request, "settings/_prescripteurs_liste.html", {"found": found, "recherche": recherche[:60],
        "specialty_label": specialty_label})


@router.post(PRESCRIBERS, include_in_schema=False, dependencies=[needs(Permission.PRESCRIBER_WRITE)])
async def prescriber_create(request: Request, ctx: ContextDep) -> Response:
    values = await form_values(request)
    try:
        prescriber_id = prescribers.create_prescriber(ctx, chosen(values, *PRESCRIBER_FIELDS))
    except Refused as error:
        return _prescribers(request, ctx, "", "croissant", values, error)
    return done(f"{PRESCRIBERS}/{prescriber_id}", "prescripteur_cree")


def _prescriber(request: Request, ctx: ContextDep, prescriber_id: int, values: dict[str, str] | None = None,
                error: FeuilleError | None = None) -> Response:
    view = prescribers.get_prescriber(ctx, prescriber_id)
    shown = values or {name: getattr(view, name) or "" for name in PRESCRIBER_FIELDS}
    return page(request, "settings/prescripteur.html", {
        "title": f"Prescripteur {view.last_name}", "prescriber": view, "values": shown,
        "specialties": SPECIALTY_CHOICES, "message": message(request)},
        status=error.http_status if error else 200, error=error)


@router.get(PRESCRIBERS + "/{prescriber_id:int}", include_in_schema=False, dependencies=[needs(Permission.READ)])
def prescriber_page(request: Request, ctx: ContextDep, prescriber_id: int) -> Response:
    return _prescriber(request, ctx, prescriber_id)


@router.post(PRESCRIBERS + "/{prescriber_id:int}", include_in_schema=False,
             dependencies=[needs(Permission.PRESCRIBER_WRITE)])
async def prescriber_update(request: Request, ctx: ContextDep, prescriber_id: int) -> Response:
    values = await form_values(request)
    try:
        prescribers.edit_prescriber(ctx, prescriber_id, chosen(values, *PRESCRIBER_FIELDS))
    except Refused as error:
        return _prescriber(request, ctx, prescriber_id, values, error)
    return done(f"{PRESCRIBERS}/{prescriber_id}", "prescripteur_modifie")


@router.get(PRESCRIBERS + "/{prescriber_id:int}/supprimer", include_in_schema=False,
            dependencies=[needs(Permission.READ)])
def prescriber_delete_confirm(request: Request, ctx: ContextDep, prescriber_id: int) -> Response:
    view = prescribers.get_prescriber(ctx, prescriber_id)
    return confirm(request, "Supprimer la fiche prescripteur",
                   f"Supprimer le prescripteur {view.last_name} {view.first_name or ''} ({view.number}) ?",
                   f"{PRESCRIBERS}/{prescriber_id}")


@router.post(PRESCRIBERS + "/{prescriber_id:int}/supprimer", include_in_schema=False,
             dependencies=[needs(Permission.PRESCRIBER_WRITE)])
def prescriber_delete(request: Request, ctx: ContextDep, prescriber_id: int) -> Response:
    prescribers.delete_prescriber(ctx, prescriber_id)
    return done(PRESCRIBERS, "prescripteur_supprime")


# ---------------------------------------------------------------------------------------------
# Favourites: a label and its acts (rows of the form: acts[N].code, acts[N].quantity...)


ACT_PARTS = ("code", "quantity", "coefficient", "price", "qualifier", "indemnity", "distance_km")
ROWS = 5


def _acts(values: dict[str, str]) -> list[dict[str, str]]:
    """The act rows up to the last one filled (an empty row in between is the service's to refuse)."""
    rows = []
    position = 1
    while any(f"acts[{position}].{part}" in values for part in ACT_PARTS):
        rows.append({part: values.get(f"acts[{position}].{part}", "").strip() for part in ACT_PARTS})
        position += 1
    while rows and not any(rows[-1][part] for part in ("code", "price", "qualifier", "indemnity", "distance_km")):
        rows.pop()
    return [{k: v for k, v in row.items() if v} for row in rows]


def _act_rows(acts: list[dict[str, str]]) -> list[dict[str, str]]:
    return acts + [{}] * max(ROWS - len(acts), 1)


def _owner(ctx: ContextDep, view: Any, asked: str | None) -> tuple[list[professionals.ProfessionalView], int | None]:
    pros = professionals.list_professionals(ctx)
    ids = {p.id for p in pros}
    if asked and asked.isdigit() and int(asked) in ids:
        return pros, int(asked)
    if view.professional_id in ids:
        return pros, view.professional_id
    return pros, pros[0].id if pros else None


def _favourites(request: Request, ctx: ContextDep, view: Any, asked: str | None, values: dict[str, Any],
                error: FeuilleError | None = None) -> Response:
    pros, owner = _owner(ctx, view, asked)
    text = request.query_params.get("recherche", "")[:60]
    order = request.query_params.get("ordre", "croissant")
    found = favourites.search_favourites(ctx, owner, text, descending=order == "decroissant") if owner else []
    return page(request, "settings/favoris.html", {"recherche": text, "ordre": order, "orders": ORDERS,
        "title": "Mes favoris", "pros": [(str(p.id), professionals.label(p)) for p in pros], "owner": owner,
        "found": found, "values": values, "rows": _act_rows(values.get("acts", [])),
        "qualifiers": [("", "Aucun")] + [(q.value, label) for q, label in QUALIFIER_LABELS.items()],
        "indemnities": [("", "Sans")] + [(code, f"{code} - {i.label}") for code, i in INDEMNITIES.items()],
        "message": message(request)}, status=error.http_status if error else 200, error=error)


@router.get(FAVOURITES, include_in_schema=False, dependencies=[needs(Permission.READ)])
def favourites_page(request: Request, ctx: ContextDep, view: SessionDep, professionnel: str = "") -> Response:
    return _favourites(request, ctx, view, professionnel, {})


@router.post(FAVOURITES, include_in_schema=False, dependencies=[needs(Permission.FAVOURITE_WRITE)])
async def favourite_create(request: Request, ctx: ContextDep, view: SessionDep) -> Response:
    values = await form_values(request)
    owner = values.get("professional", "")
    acts = _acts(values)
    try:
        favourite_id = favourites.create_favourite(ctx, int(owner) if owner.isdigit() else None,
                                                   values.get("label", ""), acts)
    except Refused as error:
        return _favourites(request, ctx, view, owner, {"label": values.get("label", ""), "acts": acts}, error)
    return done(f"{FAVOURITES}/{favourite_id}", "favori_cree")


def _favourite(request: Request, ctx: ContextDep, favourite_id: int, values: dict[str, Any] | None = None,
               error: FeuilleError | None = None) -> Response:
    fav = favourites.get_favourite(ctx, favourite_id)
    shown = values or {"label": fav.label, "acts": [
        {k: "" if v is None else str(v.value if hasattr(v, "value") else v).replace(".", ",")
         for k, v in vars(act).items()} for act in fav.acts]}
    return page(request, "settings/favori.html", {
        "title": f"Favori « {fav.label} »", "fav": fav, "values": shown, "rows": _act_rows(shown["acts"]),
        "qualifiers": [("", "Aucun")] + [(q.value, label) for q, label in QUALIFIER_LABELS.items()],
        "indemnities": [("", "Sans")] + [(code, f"{code} - {i.label}") for code, i in INDEMNITIES.items()],
        "message": message(request)}, status=error.http_status if error else 200, error=error)


@router.get(FAVOURITES + "/{favourite_id:int}", include_in_schema=False, dependencies=[needs(Permission.READ)])
def favourite_page(request: Request, ctx: ContextDep, favourite_id: int) -> Response:
    return _favourite(request, ctx, favourite_id)


@router.post(FAVOURITES + "/{favourite_id:int}", include_in_schema=False,
             dependencies=[needs(Permission.FAVOURITE_WRITE)])
async def favourite_update(request: Request, ctx: ContextDep, favourite_id: int) -> Response:
    values = await form_values(request)
    acts = _acts(values)
    try:
        favourites.edit_favourite(ctx, favourite_id, label=values.get("label", ""), acts=acts)
    except Refused as error:
        return _favourite(request, ctx, favourite_id, {"label": values.get("label", ""), "acts": acts}, error)
    return done(f"{FAVOURITES}/{favourite_id}", "favori_modifie")


@router.get(FAVOURITES + "/{favourite_id:int}/supprimer", include_in_schema=False,
            dependencies=[needs(Permission.READ)])
def favourite_delete_confirm(request: Request, ctx: ContextDep, favourite_id: int) -> Response:
    fav = favourites.get_favourite(ctx, favourite_id)
    return confirm(request, "Supprimer un soin favori", f"Supprimer le favori « {fav.label} » ?",
                   f"{FAVOURITES}?professionnel={fav.professional_id}")


@router.post(FAVOURITES + "/{favourite_id:int}/supprimer", include_in_schema=False,
             dependencies=[needs(Permission.FAVOURITE_WRITE, Permission.READ)])
def favourite_delete(request: Request, ctx: ContextDep, favourite_id: int) -> Response:
    owner = favourites.get_favourite(ctx, favourite_id).professional_id
    favourites.delete_favourite(ctx, favourite_id)
    return done(FAVOURITES, "favori_supprime", professionnel=owner)
