"""The searches the wizard's step machine asks for (:mod:`feuille.billing.wizard_search`), run against the services:
one page of candidates as views, from a bounded query (``PAGE_SIZE`` rows and one more to know whether a page
follows). Creating a patient or a prescriber on the spot is the interface's form (the services ``create_patient``,
``create_prescriber``); the patient chosen on the Vitale card is recorded here (``drafts.patient_from_vitale``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from feuille.auth import Context
from feuille.billing import drafts
from feuille.billing.wizard_search import PAGE_SIZE, Candidate, Page, Request
from feuille.cards.messages import french_error
from feuille.cards.port import CardError, CardReader
from feuille.catalog import ccam_search
from feuille.domain.professionals import MAX_PAGE
from feuille.errors import ValidationError
from feuille.practice import favourites, patients, prescribers


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


SEARCHES: dict[str, Callable[[Context, Request], Page]] = {
    "patient": _patients, "prescriber": _prescribers, "ccam": _ccam, "keyword": _ccam, "keyword_acts": _ccam,
    "favourite": _favourites}


def run(ctx: Context, request: Request, reader: CardReader | None = None) -> Page | int:
    """A search's page (a text the catalogue cannot search: its French refusal in the page), or the id of the
    patient recorded from the card's beneficiary chosen (``from_card``)."""
    if request.kind == "beneficiary":
        return _beneficiaries(reader)
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
        return search(ctx, request)
    except ValidationError as error:
        return Page(refused=error.message)
