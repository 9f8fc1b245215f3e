"""The searches the wizard's step machine asks for (:mod:`feuille.billing.wizard_search`), run against the services:
one page of candidates as views, from a bounded query (``PAGE_SIZE`` rows and one more to know whether a page
follows). Creating a patient or a prescriber on the spot is the interface's form (the services ``create_patient``,
``create_prescriber``); the patient chosen on the Vitale card is recorded here (``drafts.patient_from_vitale``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from feuille.auth import Context
from feuille.billing import drafts
from feuille.billing import wizard_acts as wa
from feuille.billing import wizard_flow as wf
from feuille.billing import wizard_flow_acts as wfa
from feuille.billing.wizard_search import CHECK, PAGE_SIZE, Candidate, Page, Request
from feuille.cards.messages import french_error
from feuille.cards.port import CardError, CardReader
from feuille.catalog import ccam_search
from feuille.domain.professionals import MAX_PAGE
from feuille.errors import NotFoundError, ValidationError
from feuille.nomenclature.ccam_modifiers import default_modifiers
from feuille.nomenclature.ngap import default_table
from feuille.nomenclature.rates import default_rates
from feuille.practice import favourites, patients, preferences, prescribers, professionals
from feuille.practice.professionals import ProfessionalView


def _window(request: Request) -> tuple[int, int]:
    """(offset, rows to read: the page and one more), within the services' bound."""
    if isinstance(request.page, bool) or not isinstance(request.page, int) or request.page < 0:
        raise ValidationError("page : un numéro de page (à partir de 0) est attendu.", code="page", field="page")
    offset = request.page * PAGE_SIZE
    if offset + PAGE_SIZE + 1 > MAX_PAGE:
        raise ValidationError(f"page : au-delà des {MAX_PAGE} premiers résultats, précisez la recherche.",
                              code="page", field="page")
    return offset, PAGE_SIZE + 1


def _page(rows: Sequence[Any], label: Callable[[Any], str], value: Callable[[Any], str]) -> Page:
    """``rows``: the page read and, when a page follows, one row more."""
    shown = rows[:PAGE_SIZE]
    return Page(tuple(Candidate(value(row), " ".join(label(row).split())) for row in shown), len(rows) > PAGE_SIZE)


def _patients(ctx: Context, request: Request) -> Page:
    offset, rows = _window(request)
    found = patients.search_patients(ctx, request.text or None, limit=offset + rows)[offset:]
    return _page(found, lambda p: f"{p.last_name} {p.first_name or ''} (né(e) le {p.birth_date}, rang {p.rank})",
                 lambda p: str(p.id))


def _prescribers(ctx: Context, request: Request) -> Page:
    offset, rows = _window(request)
    found = prescribers.search_prescribers(ctx, request.text, limit=rows, offset=offset)
    return _page(found, lambda r: f"{r.last_name} {r.first_name or ''} - {r.number}", lambda r: str(r.id))


def _act_label(act: ccam_search.ActSummary) -> str:
    return f"{act.code} {act.short_label or act.label}" + (" (non pris en charge)" if act.not_covered else "")


def _ccam(ctx: Context, request: Request) -> Page:
    offset, rows = _window(request)
    if request.kind == "keyword":
        words = ccam_search.search_keywords(ctx, request.text, limit=offset + rows)[offset:]
        return _page(words, str, str)
    search = ccam_search.acts_for_keyword if request.kind == "keyword_acts" else ccam_search.search
    return _page(search(ctx, request.text, limit=offset + rows)[offset:], _act_label, lambda a: a.code)


def _favourites(ctx: Context, request: Request) -> Page:
    offset, rows = _window(request)
    found = favourites.search_favourites(ctx, limit=rows, offset=offset)
    return _page(found, lambda v: f"{v.label} ({', '.join(a.code for a in v.acts)})", lambda v: str(v.id))


def _beneficiaries(reader: CardReader | None) -> Page:
    try:
        card = None if reader is None else reader.vitale_card()
    except CardError as exc:
        return Page(refused=french_error(exc).message)
    if card is None:
        return Page()
    return _page(tuple(enumerate(card.beneficiaries, start=1)),
                 lambda nb: f"{nb[1].fields.get('last_name', '')} {nb[1].fields.get('first_name') or ''} (né(e) le "
                            f"{nb[1].fields.get('birth_date', '?')}, rang {nb[1].fields.get('rank', 1)})",
                 lambda nb: str(nb[0]))


# --- the act entry: a code typed whole checked, what the tables say of an act, its allowances ---------------------

def _professional(ctx: Context, chosen: int | None = None) -> ProfessionalView | None:
    """The professional who bills: ``chosen`` (a secretary's choice), else the user's own."""
    pro_id = chosen if chosen is not None else preferences.acting_preferences(ctx)[0]
    return None if pro_id is None else professionals.get_professional(ctx, pro_id)


def _check_code(ctx: Context, request: Request, chosen: int | None = None) -> Page:
    """The code as the tables spell it, or why it cannot be billed by this professional (the pricing's rules: a
    CCAM act absent from the active table or billed by a profession without CCAM, an NGAP code of another
    profession). A code no NGAP table knows passes: its unit price is then asked (``act_sheet``)."""
    code = wa.parse_act_code(request.text)
    pro = _professional(ctx, chosen)
    rates = default_rates()
    if wa.is_ccam(code):
        try:
            act = ccam_search.get_act(ctx, code)
        except NotFoundError as error:
            return Page(refused=error.message)
        if pro is not None and pro.profession not in rates.ccam_professions:
            label = rates.professions[pro.profession].label
            raise ValidationError(f"code : un acte CCAM ({act.code}) ne peut pas être facturé par un {label}.",
                                  code="act_not_allowed", field="acts.code")
        return Page((Candidate(act.code, act.label),))
    table = default_table()
    if pro is not None and table.knows(code) and table.find(code, pro.profession) is None:
        label = rates.professions[pro.profession].label
        raise ValidationError(f"code : l'acte {code} n'est pas autorisé pour un {label}.", code="act_not_allowed",
                              field="acts.code")
    return Page((Candidate(code, code),))


def _ccam_sheet(ctx: Context, code: str, day: date, pro: ProfessionalView | None) -> wfa.ActFacts:
    act = ccam_search.get_act(ctx, code)
    said = f"{act.code} : {act.label}" + (" — non pris en charge" if act.not_covered else "")
    if pro is None:
        return wfa.ActFacts(act.code, day, tuple(act.modifiers), said)
    label = default_rates().professions[pro.profession].label
    table = default_modifiers()
    refusals = {m: why for m in MODIFIER_CODES
                if isinstance(why := table.apply(m, pro.profession, pro.specialty or None, pro.sector, label), str)}
    tariffs = ccam_search.ccam_tariffs(ctx.db)
    pairs = {(p.activity, p.phase) for p in act.prices}
    priced = frozenset(pair for pair in pairs
                       if (found := tariffs.ccam_tariff(act.code, day, *pair, sector=pro.sector)) is not None
                       and found.price is not None)
    return wfa.ActFacts(act.code, day, tuple(act.modifiers), said, refusals, priced)


def _ngap_sheet(code: str, day: date, pro: ProfessionalView | None) -> wfa.ActFacts:
    entry = None if pro is None else default_table().find(code, pro.profession)
    if pro is None or not default_table().bills_ngap(pro.profession):
        unpriced = None
    elif entry is None:
        unpriced = f"Le code {code} est absent des tables NGAP et COx : le prix unitaire est obligatoire."
    elif entry.tariff_on(day) is None:
        unpriced = (f"Pas de tarif de {code} au {day:%d/%m/%Y} dans la table {entry.table.upper()} "
                    f"({entry.missing_tariff(day)}) : le prix unitaire est obligatoire.")
    else:
        unpriced = None
    return wfa.ActFacts(code, day, unpriced=unpriced)


def act_sheet(ctx: Context, request: Request, chosen: int | None = None) -> wfa.ActFacts:
    """What the tables say of the act for the acting professional on ``request.day`` (default: today)."""
    code = wa.parse_act_code(request.text)
    day = request.day or ctx.clock().date()
    pro = _professional(ctx, chosen)
    return _ccam_sheet(ctx, code, day, pro) if wa.is_ccam(code) else _ngap_sheet(code, day, pro)


def allowances(ctx: Context, request: Request) -> wf.AllowanceFacts | None:
    """What the NGAP table lists after the act (IFD, MD, IK…) and the patient record's distances; None: nothing."""
    listed = drafts.majorations_of(ctx, {}, request.text)
    if not listed or request.patient is None:
        return None
    values = patients.get_patient(ctx, request.patient).values
    return wf.AllowanceFacts(tuple(listed), {name: values.get(name) or Decimal(0)
                                             for name in wf.DISTANCE_FIELDS.values()})


SEARCHES: dict[str, Callable[[Context, Request], Page]] = {
    "patient": _patients, "prescriber": _prescribers, "ccam": _ccam, "keyword": _ccam, "keyword_acts": _ccam,
    "favourite": _favourites, CHECK: _check_code}
#: The single-character codes a modifier may have (CCAM, chapitre 19.03): each one's refusal is known in advance.
MODIFIER_CODES = tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def run(ctx: Context, request: Request, reader: CardReader | None = None, professional: int | None = None) -> Any:
    """A search's page (a text the catalogue cannot search, a code the tables refuse: its French refusal in the
    page), the id of the patient recorded from the card's beneficiary chosen (``from_card``), what the tables say
    of an act (``act_sheet``) or of its allowances (``allowances``)."""
    if request.kind == "beneficiary":
        return _beneficiaries(reader)
    if request.kind == "act_sheet":
        return act_sheet(ctx, request, professional)
    if request.kind == "allowances":
        return allowances(ctx, request)
    if request.kind == "from_card":
        if reader is None or not request.text.isdigit() or len(request.text) > 2:
            raise ValidationError("bénéficiaire : le numéro d'un bénéficiaire de la carte Vitale est attendu.",
                                  code="beneficiary", field="beneficiaire")
        return drafts.patient_from_vitale(ctx, reader, int(request.text))
    search = SEARCHES.get(request.kind)
    if search is None:
        raise ValidationError(f"recherche : « {request.kind} » n'est pas une recherche de l'assistant.",
                              code="search_kind", field="recherche")
    _window(request)  # a page out of bounds is the caller's fault, not the text's
    try:
        return _check_code(ctx, request, professional) if request.kind == CHECK else search(ctx, request)
    except ValidationError as error:
        return Page(refused=error.message)
