"""The wizard's searches as steps of the machine (pure, as :mod:`feuille.billing.wizard_flow`): the patient (in the
patient base or among the beneficiaries of the Vitale card), the prescriber, the act (its code typed whole, a CCAM
search by code or words, a CCAM keyword then its acts, a favourite).

A screen returns the next step: a :class:`Question` (what the user types or chooses), a :class:`Request` (a search
or a creation the services run: ``billing.wizard_lookups.run`` gives a :class:`Page`; creating on the spot is the
interface's form, which gives the new id or ``None``) or ``None`` when done; the interface stores each answer — the
Page a Request gave too — under the step's id and asks again. The machine decides: one candidate → proposed (the
choice's default), several → a choice (« résultats suivants » when a page follows), none → create (patient,
prescriber) or search again. Searching again starts a new round: ids carry its number (``patient.text.2``); a
refusal names ``Question.field`` (``patient``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from itertools import count
from typing import Any

from feuille.billing import wizard_acts as wa
from feuille.billing import wizard_document as wd
from feuille.billing import wizard_specifics as ws
from feuille.billing.wizard_questions import Answers, Choice, Question
from feuille.domain.invoice_fields import named
from feuille.errors import ValidationError

PAGE_SIZE = 20
MORE = "suivants"          # the choice « résultats suivants »
BASE, CARD = "base", "carte"
#: A code typed whole, looked up in the tables before its screen (``act_step(checked=True)``): a Page with the code
#: as the tables spell it, or the French refusal (the code is then asked again).
CHECK = "act"


@dataclass(frozen=True)
class Candidate:
    value: str             # an id, a CCAM code or a keyword
    label: str


@dataclass(frozen=True)
class Page:
    """One page of a search: at most ``PAGE_SIZE`` candidates, whether more follow, or the French refusal of the
    search (a text the catalogue cannot search, a card that cannot be read)."""

    candidates: tuple[Candidate, ...] = ()
    more: bool = False
    refused: str | None = None


@dataclass(frozen=True)
class Request:
    """A search (``patient``, ``prescriber``, ``ccam``, ``keyword``, ``keyword_acts``, ``favourite``,
    ``beneficiary``, ``act``: a code typed whole checked against the tables) or a creation (``create_patient``,
    ``create_prescriber``: the name typed; ``from_card``: the beneficiary's number) the services run; its answer is
    a :class:`Page` (a search) or an id / ``None``. The act entry (``billing.wizard_entry``) also asks what the
    tables say of the act (``act_sheet``: ``wizard_flow_acts.ActFacts``) and of its allowances (``allowances``:
    ``wizard_flow.AllowanceFacts`` or ``None``)."""

    id: str
    kind: str
    text: str = ""
    page: int = 0
    day: date | None = None          # ``act_sheet``: the date the act's tariffs are read on
    patient: int | None = None       # ``allowances``: the patient whose distances are offered


Step = Question | Request | None


@dataclass(frozen=True)
class ActQuery:
    """What the act prompt asks for: ``code`` (typed whole), ``ccam`` (a CCAM search by code start or words),
    ``keyword`` (the start of a CCAM keyword), ``favourite``. The screen's result is an ActQuery too: ``code``
    with the code found, or ``favourite`` with the favourite's id."""

    mode: str
    text: str = ""


ACT_MODES = ("code", "ccam", "keyword", "favourite")


def check_act_query(value: object) -> ActQuery:
    """The act prompt's answer: an ActQuery (the terminal parses « ?AFL », « clé Péri », « favori »)."""
    if not isinstance(value, ActQuery) or value.mode not in ACT_MODES or not isinstance(value.text, str):
        raise ValidationError("code : un code d'acte est attendu (ex. C, AMI, AFLB001).", code="act_code",
                              field="acts.code")
    if value.mode == "code":
        return ActQuery("code", wa.parse_act_code(value.text))
    return ActQuery(value.mode, value.text.strip())


def _text(value: object) -> str:
    return str(value if value is not None else "").strip()


@dataclass(frozen=True)
class _Search:
    kind: str
    text: str
    page: int = 0


@dataclass(frozen=True)
class Kind:
    """How a search's results are shown: the list's heading, its « none » entry, what is said when nothing is
    found, the input a refusal names."""

    heading: str
    none_label: str | None
    nothing: str
    field: str


KINDS = {
    "patient": Kind("Patients trouvés :", "autre recherche", "aucun patient dont le nom commence par « {} ».",
                    "patient"),
    "prescriber": Kind("Liste des prescripteurs :", "autre recherche",
                       "aucun prescripteur dont le nom commence par « {} ».", "prescription.prescriber"),
    "beneficiary": Kind("Bénéficiaires de la carte :", None,
                        "aucune carte Vitale (ni appli) présentée ; recherche dans la base.", "beneficiaire"),
    "ccam": Kind("Actes CCAM :", "aucun", "aucun acte CCAM trouvé.", "acts.code"),
    "keyword": Kind("Mots-clés :", "aucun", "aucun mot-clé ne commence ainsi.", "acts.keyword"),
    "keyword_acts": Kind("Actes CCAM :", "aucun", "aucun acte CCAM trouvé.", "acts.code"),
    "favourite": Kind("Soins favoris :", "aucun", "aucun soin favori pour ce professionnel.", "acts.favourite"),
    CHECK: Kind("Acte :", None, "code « {} » inconnu.", "acts.code"),
}


def _choice(key: str, search: _Search, found: Page) -> Question:
    kind = KINDS[search.kind]
    choices = tuple(Choice(c.value, c.label) for c in found.candidates)
    if found.more:
        choices += (Choice(MORE, "résultats suivants"),)
    proposed = found.candidates[0].value if len(found.candidates) == 1 and not found.more else None
    return Question(key, kind.heading, "choice", choices, default=proposed, none_label=kind.none_label,
                    field=kind.field)


def _request(key: str, search: _Search) -> Request:
    return Request(key, search.kind, search.text, search.page)


Outcome = tuple[Step, Any]
#: What a round does with the candidate chosen: (the next search of the same screen, or the screen's result).
Chosen = Callable[[_Search, str], _Search | Outcome]


def _rounds(prefix: str, answers: Answers, ask: Callable[[str, tuple[str, ...], tuple[str, ...]], Question],
            start: Callable[[Any], _Search | Outcome], chosen: Chosen,
            empty: Callable[[int, _Search], Outcome | None] | None = None,
            said: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())) -> Outcome:
    """The rounds of one search screen: the text asked (``ask``), turned into a search (``start``) or a result,
    the page the services give, the choice; an empty page either ends in ``empty`` (create) or asks again."""
    warnings, errors = said             # shown with the first text question (a card that could not be read)
    search: _Search | None = None
    for number in count(1):
        key = f"{prefix}.{{}}.{number}".format
        if search is None:
            if key("text") not in answers:
                return ask(key("text"), warnings, errors), None
            started = start(answers[key("text")])
            if not isinstance(started, _Search):
                return started
            search, warnings, errors = started, (), ()
        if key("found") not in answers:
            return _request(key("found"), search), None
        found: Page = answers[key("found")]
        if found.refused or not found.candidates:
            if found.refused:
                errors = (found.refused,)
            elif empty is not None and (ended := empty(number, search)) is not None:
                return ended
            else:
                warnings = (KINDS[search.kind].nothing.format(search.text),)
            search = None
            continue
        if search.kind == CHECK:
            picked: Any = found.candidates[0].value  # the code the tables know: nothing to choose
        elif key("choice") not in answers:
            return _choice(key("choice"), search, found), None
        else:
            picked = answers[key("choice")]
        if picked == MORE:
            search = replace(search, page=search.page + 1)
        elif picked is None:
            search = None
        else:
            following = chosen(search, str(picked))
            if not isinstance(following, _Search):
                return following
            search = following
    raise AssertionError("unreachable")  # count() never ends


# --- the patient and the prescriber: by the start of the name, or created on the spot ---------------------------

@dataclass(frozen=True)
class NameSearch:
    kind: str              # "patient" | "prescriber"
    prompt: str
    noun: str


PATIENT = NameSearch("patient", "Nom du patient (début)", "patient")
PRESCRIBER = NameSearch("prescriber", "Prescripteur : début du nom", "prescripteur")


def _name(what: NameSearch, answers: Answers, warnings: tuple[str, ...] = (),
          errors: tuple[str, ...] = ()) -> Outcome:
    field = KINDS[what.kind].field

    def ask(key: str, said: tuple[str, ...], refused: tuple[str, ...]) -> Question:
        return Question(key, what.prompt, "code", default="", check=_text, field=field, warnings=said,
                        errors=refused)

    def empty(number: int, search: _Search) -> Outcome | None:
        create, created = f"{what.kind}.create.{number}", f"{what.kind}.created.{number}"
        if create not in answers:
            return Question(create, f"Créer ce {what.noun} ?", "yes_no", default=True, field=field,
                            warnings=(KINDS[what.kind].nothing.format(search.text),)), None
        if not answers[create]:
            return None
        if created not in answers:
            return Request(created, f"create_{what.kind}", search.text), None
        return (None, int(answers[created])) if answers[created] is not None else None

    return _rounds(what.kind, answers, ask, lambda typed: _Search(what.kind, _text(typed)),
                   lambda _, picked: (None, int(picked)), empty, (warnings, errors))


def name_step(what: NameSearch, answers: Answers) -> Step:
    return _name(what, answers)[0]


def name_result(what: NameSearch, answers: Answers) -> int:
    """The id of the patient or prescriber chosen or created (once ``name_step`` says ``None``)."""
    return int(_name(what, answers)[1])


# --- « Prescription »: whether one is needed, its date, the prescriber (searched or created), its photo ----------

def _prescription(previous: wd.WizardAnswers, answers: Answers) -> Step:
    if "prescription" not in answers:
        return Question("prescription", "Nécessite une prescription ?", "yes_no",
                        default=previous.prescription_date is not None)
    if not answers["prescription"]:
        return None
    if "prescription.date" not in answers:
        return Question("prescription.date", "Prescription du (JJ/MM/AAAA)", "date", default=previous.invoice_date)
    found = name_step(PRESCRIBER, answers)
    if found is not None:
        return found
    if "prescription.photo" not in answers:
        return Question("prescription.photo", "Photo de l'ordonnance : chemin du fichier (PNG, JPEG ou PDF ; vide : "
                        "aucune)", "code", default="", check=_photo)
    return None


def _photo(value: object) -> ws.PhotoAnswer | None:
    """The interface reads the file (the terminal: a path typed); empty: no photo."""
    if value is None or value == "":
        return None
    if not isinstance(value, ws.PhotoAnswer):
        raise ValidationError(f"{named('prescription.photo')} : le fichier de la photo est attendu.", code="photo",
                              field="prescription.photo")
    return value


def prescription_step(previous: wd.WizardAnswers, answers: Answers) -> Step:
    return _prescription(previous, answers)


def prescription_result(previous: wd.WizardAnswers, answers: Answers) -> wd.WizardAnswers:
    if not answers["prescription"]:
        return replace(previous, prescription_date=None, prescriber_id=None, photo=None)
    return replace(previous, prescription_date=answers["prescription.date"],
                   prescriber_id=name_result(PRESCRIBER, answers), photo=answers["prescription.photo"])


# --- the patient: in the base, or a beneficiary of the Vitale card ------------------------------------------------

def _patient(answers: Answers) -> Outcome:
    if "patient.source" not in answers:
        return Question("patient.source", "Choisir le patient :", "choice", (
            Choice(BASE, "dans la base patient (recherche par nom)"),
            Choice(CARD, "parmi les bénéficiaires de la carte Vitale (ou de l'appli) présentée")), default=BASE,
            field="patient"), None
    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    if answers["patient.source"] == CARD:
        if "card.found" not in answers:
            return Request("card.found", "beneficiary"), None
        found: Page = answers["card.found"]
        if found.refused:
            errors = (found.refused,)
        elif not found.candidates:
            warnings = (KINDS["beneficiary"].nothing,)
        else:
            if "card.choice" not in answers:
                return _choice("card.choice", _Search("beneficiary", ""), found), None
            if "card.patient" not in answers:
                return Request("card.patient", "from_card", str(answers["card.choice"])), None
            return None, int(answers["card.patient"])
    return _name(PATIENT, answers, warnings, errors)


def patient_step(answers: Answers) -> Step:
    return _patient(answers)[0]


def patient_result(answers: Answers) -> int:
    return int(_patient(answers)[1])


# --- the act: a code, a CCAM search, a keyword, a favourite ---------------------------------------------------------

ACT_PROMPT = ("Code de l'acte (ex. C, AMI, AFLB001 ; « ?AFL » ou « ?mots » : chercher en CCAM ; « clé Péri » : par "
              "mot-clé ; « favori » : un soin favori)")


def _act(answers: Answers, checked: bool = False) -> Outcome:
    def ask(key: str, said: tuple[str, ...], refused: tuple[str, ...]) -> Question:
        return Question(key, ACT_PROMPT, "code", default="", check=check_act_query, field="acts.code",
                        warnings=said, errors=refused)

    def start(query: ActQuery) -> _Search | Outcome:
        if query.mode == "code":
            return _Search(CHECK, query.text) if checked else (None, query)
        return _Search(query.mode, query.text)

    def chosen(search: _Search, picked: str) -> _Search | Outcome:
        if search.kind == "keyword":
            return _Search("keyword_acts", picked)
        return None, ActQuery("favourite" if search.kind == "favourite" else "code", picked)

    return _rounds("acts", answers, ask, start, chosen)


def act_step(answers: Answers, checked: bool = False) -> Step:
    """``checked``: a code typed whole is looked up (a Request ``act``) and asked again when the tables refuse it."""
    return _act(answers, checked)[0]


def act_result(answers: Answers, checked: bool = False) -> ActQuery:
    """``code`` and the act's code, or ``favourite`` and the favourite's id."""
    found = _act(answers, checked)[1]
    assert isinstance(found, ActQuery)
    return found
