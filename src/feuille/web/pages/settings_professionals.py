"""Settings: the professionals (titulaires, remplaçants), their preferences, the user acting as each, and the
calendar of a remplaçant's days for a titulaire (manual 001, « Professionnel de santé » and « Profils »)."""

from __future__ import annotations

import calendar
from dataclasses import asdict
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from feuille.api.deps import ContextDep, needs
from feuille.auth import ROLE_LABELS, Context, Permission, list_users, may
from feuille.domain.professionals import (
    ADRI_LABELS,
    AMC_TP_LABELS,
    CIVILITY_LABELS,
    KIND_LABELS,
    MODE_LABELS,
    PAYMENT_LABELS,
    PENDING_PREFERENCES,
    PREFERENCE_FLAGS,
    PREFERENCE_LABELS,
    PROFESSION_LABELS,
    SPECIALTIES,
    AmcTpMode,
    Kind,
    Profession,
    format_billing_number,
    specialty_label,
)
from feuille.errors import FeuilleError, ValidationError
from feuille.practice import preferences, professionals, replacements
from feuille.web.pages.settings_common import Refused, chosen, confirm, done, form_values, message
from feuille.web.templating import page

router = APIRouter()

BASE = "/parametres/professionnels"
FIELDS = ("civility", "last_name", "first_name", "rpps", "billing_number", "specialty", "mode", "situation",
          "caisse", "sector")
#: The preferences a screen offers: those that drive something today (the others are refused by the service).
SHOWN_FLAGS = tuple(flag for flag in PREFERENCE_FLAGS if flag not in PENDING_PREFERENCES)
#: The manual's explanation of each choice (« Profils » › « Préférences »), shown under it.
ADRI_HINTS = {
    "manuel": "Le service ADRi est appelé uniquement quand vous le demandez, par exemple en cas de doute sur les "
              "droits AMO du patient.",
    "cible": "Le service ADRi est appelé automatiquement quand les droits AMO du patient manquent ou ne sont pas "
             "ouverts le jour des soins.",
    "systematique": "Le service ADRi est appelé automatiquement pour toutes les factures, sans exception.",
}
FLAG_HINTS = {
    "home_by_default": "Coche d'office les soins à domicile à la création d'un acte.",
    "show_performing_ps": "Affiche un champ pour choisir le praticien qui réalise l'acte (plusieurs professionnels "
                          "sur le même poste).",
    "show_amount_recap": "Affiche le résumé des actes et des montants, où la prise en charge AMO ou mutuelle peut "
                         "être modifiée.",
}
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def _choices() -> dict[str, Any]:
    return {
        "civilities": [(c.value, label) for c, label in CIVILITY_LABELS.items()],
        "modes": [(m.value, label) for m, label in MODE_LABELS.items()],
        "specialties": [("", "— choisir —")] + [(code, specialty_label(code)) for code in SPECIALTIES],
        "sectors": [("1", "Secteur 1"), ("2", "Secteur 2")],
    }


def _values(pro: professionals.ProfessionalView) -> dict[str, str]:
    return {"civility": pro.civility, "last_name": pro.last_name, "first_name": pro.first_name,
            "rpps": pro.rpps or "", "billing_number": pro.billing_number, "specialty": pro.specialty,
            "mode": pro.mode, "situation": str(pro.situation), "caisse": pro.caisse, "sector": str(pro.sector)}


def _list(request: Request, ctx: Context, values: dict[str, str], error: FeuilleError | None = None) -> Response:
    pros = professionals.list_professionals(ctx)
    titulaires = [(str(p.id), professionals.label(p)) for p in pros if p.kind == Kind.TITULAIRE]
    return page(request, "settings/professionnels.html",
                {"title": "Professionnels de santé", "pros": pros, "values": values, "message": message(request),
                 "titulaires": [("", "— aucun —"), *titulaires], "kind_labels": KIND_LABELS,
                 "specialty_label": specialty_label, "billing": format_billing_number, **_choices()},
                status=error.http_status if error else 200, error=error)


@router.get(BASE, include_in_schema=False, dependencies=[needs(Permission.READ)])
def list_page(request: Request, ctx: ContextDep, titulaire: str = "") -> Response:
    """``?titulaire=ID``: the titulaire's « Ajouter remplaçant », the form ready for his remplaçant."""
    values = {"mode": "liberal", "situation": "1", "sector": "1", "civility": "M"}
    if titulaire.isdigit():
        values.update(mode="remplacant", titulaire=titulaire)
    return _list(request, ctx, values)


@router.post(BASE, include_in_schema=False, dependencies=[needs(Permission.PROFESSIONAL_WRITE)])
async def create(request: Request, ctx: ContextDep) -> Response:
    values = await form_values(request)
    data = chosen(values, *FIELDS)
    try:
        if values.get("mode") == "remplacant":
            titulaire = values.get("titulaire", "")
            registered = replacements.add_remplacant(ctx, data, [int(titulaire)] if titulaire.isdigit() else [])
        else:
            registered = professionals.register_professional(ctx, data)
    except Refused as error:
        return _list(request, ctx, values, error)
    return done(f"{BASE}/{registered.id}", "pro_cree")


def _record(request: Request, ctx: Context, pro_id: int, values: dict[str, str] | None = None,
            error: FeuilleError | None = None, typed_prefs: dict[str, object] | None = None) -> Response:
    pro = professionals.get_professional(ctx, pro_id)
    prefs: dict[str, object] = asdict(preferences.get_preferences(ctx, pro_id))
    if typed_prefs is not None:   # a refused change: the form shows what was chosen
        prefs.update(typed_prefs)
    users = list_users(ctx)
    linked = next((u.login for u in users if u.professional_id == pro_id), "")
    links = replacements.list_links(ctx, pro_id) if pro.kind == Kind.REMPLACANT else []
    remplacants = professionals.remplacants_of(ctx, pro_id) if pro.kind == Kind.TITULAIRE else []
    linked_ids = {link.titulaire_id for link in links}
    others = [(str(p.id), professionals.label(p)) for p in professionals.list_professionals(ctx, Kind.TITULAIRE)
              if p.id not in linked_ids and p.profession == pro.profession]
    return page(request, "settings/professionnel.html", {
        "title": professionals.display_name(pro), "pro": pro, "values": values or _values(pro),
        "prefs": {k: (v.value if hasattr(v, "value") else v) for k, v in prefs.items()},
        "flags": SHOWN_FLAGS, "pref_labels": PREFERENCE_LABELS, "pending": PENDING_PREFERENCES,
        "pending_values": {name: _shown(name, prefs[name]) for name in PENDING_PREFERENCES},
        "adri_hints": ADRI_HINTS, "flag_hints": FLAG_HINTS, "prefs_editable": may(ctx, Permission.PREFERENCES_WRITE),
        "adri": [(m.value, label) for m, label in ADRI_LABELS.items()],
        "payments": [(m.value, label) for m, label in PAYMENT_LABELS.items()],
        "users": [("", "— aucun —")] + [(u.login, f"{u.login} ({u.display_name}, {ROLE_LABELS[u.role]})")
                                         for u in users if u.role.value == pro.kind],
        "linked": linked, "links": links, "remplacants": remplacants, "other_titulaires": others,
        "kind_label": KIND_LABELS[Kind(pro.kind)], "profession_label": PROFESSION_LABELS[Profession(pro.profession)],
        "billing": format_billing_number, "specialty_label": specialty_label, "message": message(request),
        **_choices()}, status=error.http_status if error else 200, error=error)


def _shown(name: str, value: object) -> str:
    """A preference kept at its default until its feature exists, as the manual words it."""
    if name == "amc_tp_mode":
        return AMC_TP_LABELS[AmcTpMode(str(value))]
    return "oui" if value else "non"


@router.get(BASE + "/{pro_id:int}", include_in_schema=False, dependencies=[needs(Permission.READ)])
def record_page(request: Request, ctx: ContextDep, pro_id: int) -> Response:
    return _record(request, ctx, pro_id)


@router.post(BASE + "/{pro_id:int}", include_in_schema=False, dependencies=[needs(Permission.PROFESSIONAL_WRITE)])
async def update(request: Request, ctx: ContextDep, pro_id: int) -> Response:
    values = await form_values(request)
    try:
        professionals.update_professional(ctx, pro_id, chosen(values, *FIELDS))
    except Refused as error:
        return _record(request, ctx, pro_id, values, error)
    return done(f"{BASE}/{pro_id}", "pro_modifie")


@router.get(BASE + "/{pro_id:int}/supprimer", include_in_schema=False, dependencies=[needs(Permission.READ)])
def delete_confirm(request: Request, ctx: ContextDep, pro_id: int) -> Response:
    pro = professionals.get_professional(ctx, pro_id)
    return confirm(request, "Supprimer un professionnel",
                   f"Supprimer le {KIND_LABELS[Kind(pro.kind)]} {professionals.label(pro)} ?", f"{BASE}/{pro_id}")


@router.post(BASE + "/{pro_id:int}/supprimer", include_in_schema=False,
             dependencies=[needs(Permission.PROFESSIONAL_WRITE)])
def delete(request: Request, ctx: ContextDep, pro_id: int) -> Response:
    try:
        professionals.delete_professional(ctx, pro_id)
    except Refused as error:
        return _record(request, ctx, pro_id, None, error)
    return done(BASE, "pro_supprime")


@router.post(BASE + "/{pro_id:int}/preferences", include_in_schema=False,
             dependencies=[needs(Permission.PREFERENCES_WRITE)])
async def set_preferences(request: Request, ctx: ContextDep, pro_id: int) -> Response:
    values = await form_values(request)
    changes: dict[str, object] = chosen(values, "adri_mode", "default_payment")
    changes.update({flag: "oui" if values.get(flag) else "non" for flag in SHOWN_FLAGS})
    try:
        preferences.set_preferences(ctx, pro_id, changes)
    except Refused as error:
        typed = {name: value for name, value in changes.items() if name in ("adri_mode", "default_payment")}
        typed.update({flag: bool(values.get(flag)) for flag in SHOWN_FLAGS})
        return _record(request, ctx, pro_id, None, error, typed)
    return done(f"{BASE}/{pro_id}", "preferences")


@router.post(BASE + "/{pro_id:int}/utilisateur", include_in_schema=False, dependencies=[needs(Permission.USER_ADMIN)])
async def link_user(request: Request, ctx: ContextDep, pro_id: int) -> Response:
    values = await form_values(request)
    try:
        login = values.get("login", "")
        if login:
            professionals.link_user(ctx, login, pro_id)
        else:
            professionals.unlink_professional(ctx, pro_id)
    except Refused as error:
        return _record(request, ctx, pro_id, None, error)
    return done(f"{BASE}/{pro_id}", "utilisateur_lie")


@router.post(BASE + "/{pro_id:int}/titulaires", include_in_schema=False,
             dependencies=[needs(Permission.PROFESSIONAL_WRITE)])
async def tick(request: Request, ctx: ContextDep, pro_id: int) -> Response:
    values = await form_values(request)
    titulaire = values.get("titulaire", "")
    try:
        if not titulaire.isdigit():
            raise ValidationError("Titulaire : choisissez un titulaire.", code="required", field="titulaire")
        replacements.link(ctx, pro_id, int(titulaire))
    except Refused as error:
        return _record(request, ctx, pro_id, None, error)
    return done(f"{BASE}/{pro_id}", "titulaire_coche")


@router.post(BASE + "/{pro_id:int}/titulaires/{titulaire_id:int}/decocher", include_in_schema=False,
             dependencies=[needs(Permission.PROFESSIONAL_WRITE)])
def untick(request: Request, ctx: ContextDep, pro_id: int, titulaire_id: int) -> Response:
    try:
        replacements.unlink(ctx, pro_id, titulaire_id)
    except Refused as error:
        return _record(request, ctx, pro_id, None, error)
    return done(f"{BASE}/{pro_id}", "titulaire_decoche")


# ---------------------------------------------------------------------------------------------
# The calendar: one month, each day a button that adds it to or removes it from the remplaçant's days


def _month(text: str | None, fallback: date) -> date:
    if text and len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
        year, month = int(text[:4]), int(text[5:])
        if 1900 <= year <= 2999 and 1 <= month <= 12:
            return date(year, month, 1)
    return fallback.replace(day=1)


def _shift(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _calendar(request: Request, ctx: Context, pro_id: int, titulaire_id: int, month_text: str | None,
              typed: str = "", error: FeuilleError | None = None) -> Response:
    pro = professionals.get_professional(ctx, pro_id)
    links = {link.titulaire_id: link for link in replacements.list_links(ctx, pro_id)}
    link = links.get(titulaire_id)
    if link is None:
        titulaire = professionals.get_professional(ctx, titulaire_id)
        raise ValidationError(f"Titulaire : {professionals.display_name(pro)} ne remplace pas "
                              f"{professionals.display_name(titulaire)}.", code="replacement_unknown",
                              field="titulaire")
    first = _month(month_text, ctx.clock().date())
    worked = set(link.days)
    weeks = [[None if d.month != first.month else {"day": d, "worked": d in worked,
                                                   "name": f"{WEEKDAYS[d.weekday()]} {d.day} "
                                                           f"{MONTHS[d.month - 1]} {d.year}"}
              for d in week] for week in calendar.Calendar().monthdatescalendar(first.year, first.month)]
    return page(request, "settings/calendrier.html", {
        "title": f"Calendrier de {professionals.display_name(pro)}", "pro": pro, "link": link, "weeks": weeks,
        "month_label": f"{MONTHS[first.month - 1]} {first.year}", "month": f"{first:%Y-%m}",
        "previous": f"{_shift(first, -1):%Y-%m}", "next": f"{_shift(first, 1):%Y-%m}", "weekdays": WEEKDAYS,
        "worked_in_month": sorted(d for d in worked if (d.year, d.month) == (first.year, first.month)),
        "total": len(worked), "jours": typed, "message": message(request)},
        status=error.http_status if error else 200, error=error)


@router.get(BASE + "/{pro_id:int}/calendrier/{titulaire_id:int}", include_in_schema=False,
            dependencies=[needs(Permission.READ)])
def calendar_page(request: Request, ctx: ContextDep, pro_id: int, titulaire_id: int,
                  mois: str | None = None) -> Response:
    return _calendar(request, ctx, pro_id, titulaire_id, mois)


@router.post(BASE + "/{pro_id:int}/calendrier/{titulaire_id:int}", include_in_schema=False,
             dependencies=[needs(Permission.PROFESSIONAL_WRITE)])
async def calendar_change(request: Request, ctx: ContextDep, pro_id: int, titulaire_id: int) -> Response:
    """A day's button (``ajouter`` or ``retirer`` = its date), or several typed days (``jours`` + ``operation``)."""
    values = await form_values(request)
    month = values.get("mois")
    typed = values.get("jours", "")
    if "ajouter" in values or "retirer" in values:
        adding = "ajouter" in values
        days: list[str] = [values["ajouter"] if adding else values["retirer"]]
    else:
        adding = values.get("operation", "ajouter") != "retirer"
        days = typed.replace(",", " ").replace(";", " ").split()
    try:
        if adding:
            replacements.add_days(ctx, pro_id, titulaire_id, days)
        else:
            replacements.remove_days(ctx, pro_id, titulaire_id, days)
    except Refused as error:
        return _calendar(request, ctx, pro_id, titulaire_id, month, typed, error)
    return done(f"{BASE}/{pro_id}/calendrier/{titulaire_id}", "jours_ajoutes" if adding else "jours_retires",
                mois=month)
