"""The patient's recorded rights → the coverage of every invoice (``invoice create``, ``invoice update``, the wizard).

:func:`decide` is the one place that reads the rights on the patient record against the date of care: the AMO
rights period, the service AMO (C2S…) and its period, the régime local, the exonerations and their periods, the
ALD and its period, the rate chosen on a paper proof, and the complementary contract's rights period. It returns
the coverage fields the record gives, the complementary of a C2S beneficiary, the tiers payant the C2S implies,
and the French lines of the trace that say what was used. A value the invoice's own document gives (its
``coverage``, or what its insurance details and specifics imply) wins over the record, and the trace says so.

``create_draft`` / ``update_draft`` store the decision (:class:`~feuille.billing.stored.RecordRights`, typed) in
the document under ``record_rights`` (a key feuille computes: a value given there is replaced), so that the rate
check and a credit note price exactly what was decided, whatever the record says later; :func:`apply` puts it on
the pricing document. The wizard builds the
same :class:`PatientRights` from the patient it shows (:func:`of_view`) and starts its answers from it.

The facts (what each « taux de remboursement » means, the C2S's management and tiers payant…) are in
``data/billing_facts.json`` (:mod:`feuille.billing.facts`) with their sources; which service AMO stands for a
complementary, and its contract type (89), is ``rates.json``'s. Pure but for reading those files: no database, no
clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from feuille.billing import specifics as sp
from feuille.billing.care_dates import care_dates
from feuille.billing.facts import c2s as c2s_facts
from feuille.billing.facts import complementary_services, establishment_message, establishment_only, proof_rate
from feuille.billing.stored import Beneficiary, Complementary, RecordCoverage, RecordRights, TiersPayant
from feuille.domain.patients import AMO_SERVICES, EXONERATIONS, PeriodKind, in_ald
from feuille.errors import ValidationError
from feuille.nomenclature.rates import default_rates

if TYPE_CHECKING:
    from feuille.practice.patients import PatientView
    from feuille.storage.models import Patient

HEAD = "Droits du dossier patient : "
RECORD_KEY = "record_rights"


def fr(day: date) -> str:
    return f"{day:%d/%m/%Y}"


@dataclass(frozen=True)
class Span:
    """A period of the record (rights AMO, coverage with its exoneration, ALD, service AMO with its code)."""

    kind: str
    start: date | None
    end: date | None
    code: str | None = None

    def covers(self, day: date) -> bool:
        return self.start is not None and self.start <= day and (self.end is None or day <= self.end)

    def label(self) -> str:
        start = f"du {fr(self.start)}" if self.start else "sans date de début"
        return f"{start} au {fr(self.end)}" if self.end else f"{start} (sans fin)"


@dataclass(frozen=True)
class Contract:
    """A complementary contract of the patient, as far as the coverage needs it."""

    id: int
    name: str
    number: str
    contract_type: str | None
    start: date | None
    end: date | None
    reference_date: str = "execution"
    selected: bool = False

    def covers(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    def label(self) -> str:
        text = self.name
        text += f" du {fr(self.start)}" if self.start else ""
        return text + (f" au {fr(self.end)}" if self.end else "")


@dataclass(frozen=True)
class PatientRights:
    """What the patient record says about his rights."""

    alsace_moselle: bool = False
    exoneration: str | None = None
    ald: bool = False
    amo_proof: str | None = None
    reimbursement_rate: str | None = None
    amo_organism: str | None = None   # « 01 349 9881 »
    periods: tuple[Span, ...] = ()
    contracts: tuple[Contract, ...] = ()

    def spans(self, kind: PeriodKind) -> list[Span]:
        return [p for p in self.periods if p.kind == kind]

    def in_ald(self, day: date) -> bool:
        """In ALD on ``day``: the ALD periods decide when there are some, else the record's ALD flag (or a rate
        « 100 % si liés ALD » chosen on a proof, or the exoneration 4 read on the card)."""
        recorded = self.ald or self.exoneration == sp.ALD_EXONERATION or bool(
            proof_rate(self.reimbursement_rate).get("ald"))
        return in_ald(recorded, ((p.kind, p.start, p.end) for p in self.periods), day)


def _organism(regime: str | None, caisse: str | None, centre: str | None) -> str | None:
    return " ".join((regime, caisse, centre)) if regime and caisse and centre else None


def of_row(row: Patient) -> PatientRights:
    """The rights on a stored patient (read inside the draft's transaction)."""
    return PatientRights(
        alsace_moselle=row.alsace_moselle, exoneration=row.exoneration, ald=row.ald, amo_proof=row.amo_proof,
        reimbursement_rate=row.reimbursement_rate,
        amo_organism=_organism(row.amo_regime, row.amo_caisse, row.amo_centre),
        periods=tuple(Span(p.kind, p.start_date, p.end_date, p.code) for p in row.periods),
        contracts=tuple(Contract(c.id, c.amc_name, c.amc_number, c.contract_type, c.rights_start, c.rights_end,
                                 c.reference_date, c.selected) for c in row.contracts))


def beneficiary_of(row: Patient) -> Beneficiary:
    """Who the invoice is for and his AMO, from the stored patient: frozen in the invoice's ``record_rights``."""
    return Beneficiary(birth_date=row.birth_date, beneficiary_nir=row.beneficiary_nir, amo_regime=row.amo_regime,
                       amo_caisse=row.amo_caisse, amo_centre=row.amo_centre, amo_proof=row.amo_proof)


def of_view(view: PatientView) -> PatientRights:
    """The same, from the patient the wizard shows."""
    values = view.values
    return PatientRights(
        alsace_moselle=bool(values.get("alsace_moselle")), exoneration=values.get("exoneration"),
        ald=bool(values.get("ald")), amo_proof=values.get("amo_proof"),
        reimbursement_rate=values.get("reimbursement_rate"),
        amo_organism=_organism(values.get("amo_regime"), values.get("amo_caisse"), values.get("amo_centre")),
        periods=tuple(Span(p["kind"], p["start"], p["end"], p.get("code")) for p in view.periods),
        contracts=tuple(Contract(c.id, c.amc_name, c.amc_number, c.contract_type, c.rights_start, c.rights_end,
                                 c.reference_date, c.selected) for c in view.contracts))


def record_exoneration(record: PatientRights, day: date) -> tuple[str, str] | None:
    """The exoneration the record gives on ``day`` and how to say it: a coverage period running with its code,
    else the record's own exoneration. ``None`` for none (or 0)."""
    running = [p for p in record.spans(PeriodKind.COUVERTURE) if p.code and p.covers(day)]
    if running:
        code = running[0].code or ""
        found = (code, f"exonération {code} ({EXONERATIONS.get(code, code)}) {running[0].label()}")
    elif record.exoneration:
        found = (record.exoneration, f"exonération {record.exoneration} "
                                     f"({EXONERATIONS.get(record.exoneration, record.exoneration)})")
    else:
        return None
    return None if found[0] == "0" else found


def wizard_exoneration(record: PatientRights, day: date) -> str:
    """The wizard's default « justificatif d'exonération »: the exoneration :func:`decide` takes from the record
    (a coverage period, the card's, a « taux FSV »…); 4 is left to the ALD question, 2 is an establishment's."""
    return decide(record, {}, day).coverage.exoneration or "0"


def c2s_on(record: PatientRights, day: date) -> bool:
    """The record gives the C2S service on ``day``."""
    return decide(record, {}, day).complementary is not None


def wizard_contract(record: PatientRights, day: date) -> int | None:
    """The complementary contract the wizard offers first: a C2S beneficiary's type 89 contract, else the selected
    one, else another; only one whose rights run on ``day`` (None: « aucune »)."""
    decision = decide(record, {}, day)
    if decision.complementary is not None:
        return decision.complementary.contract_id
    running = sorted((c for c in record.contracts if c.covers(day)), key=lambda c: not c.selected)
    return running[0].id if running else None


# --- the decision ----------------------------------------------------------------------------------------------

@dataclass
class _Work:
    explicit: Mapping[str, Any]
    coverage: dict[str, Any] = field(default_factory=dict)
    trace: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def take(self, key: str, value: object, what: str) -> None:
        """The record's ``value`` for ``key``, unless the invoice says otherwise (the trace tells which)."""
        if key in self.coverage:
            return
        if key not in self.explicit:
            self.coverage[key] = value
            self.trace.append(HEAD + what)
        elif self.explicit[key] == value:
            self.trace.append(f"{HEAD}{what} (la facture dit de même)")
        else:
            self.trace.append(f"{HEAD}{what} ; la facture indique coverage.{key} = {_shown(self.explicit[key])} : la "
                              "valeur de la facture l'emporte")


def _shown(value: object) -> str:
    if value is None:
        return "aucun"
    if isinstance(value, bool):
        return "oui" if value else "non"
    return str(value)


#: What :func:`decide` gives: the stored form itself (``record_rights`` of the stored document).
Decision = RecordRights


def document_coverage(doc: Mapping[str, Any], details: sp.Details | None = None) -> dict[str, Any]:
    """The coverage the document itself gives: its ``coverage`` and what its insurance details imply."""
    priced: dict[str, Any] = {}
    sp.apply(priced, doc, details)
    coverage = priced.get("coverage")
    return dict(coverage) if isinstance(coverage, Mapping) else {}


def decide(record: PatientRights, doc: Mapping[str, Any], day: date,
           details: sp.Details | None = None) -> Decision:
    """What the record gives the invoice of ``day`` (the date of care), and what the trace says about it
    (``details``: the document's insurance details, when already read)."""
    work = _Work(document_coverage(doc, details))
    _amo_rights(record, day, work)
    _service(record, day, work)
    if record.alsace_moselle:
        work.take("regime_local", True, "régime local Alsace-Moselle")
    entry = proof_rate(record.reimbursement_rate)
    for key, value in dict(entry.get("coverage", {})).items():
        work.take(key, value, f"taux choisi sur justificatif « {entry['label']} »")
    _exoneration(record, day, work)
    _ald(record, day, work)
    _contract(record, doc, day, work)
    service = work.explicit["service_amo"] if "service_amo" in work.explicit else work.coverage.get("service_amo")
    complementary: Complementary | None = None
    tiers_payant: TiersPayant | None = None
    contract_type = complementary_services().get(service.upper()) if isinstance(service, str) else None
    if isinstance(service, str) and contract_type is not None:
        complementary = _c2s(record, doc, day, work, service.upper(), contract_type)
        tiers_payant = _c2s_tiers_payant(doc, work)
    return RecordRights(coverage=RecordCoverage.model_validate(work.coverage), tiers_payant=tiers_payant,
                        complementary=complementary, trace=tuple(work.trace), warnings=tuple(work.warnings))


def _amo_rights(record: PatientRights, day: date, work: _Work) -> None:
    spans = record.spans(PeriodKind.DROITS)
    running = [p for p in spans if p.covers(day)]
    if running:
        work.trace.append(f"{HEAD}droits AMO ouverts {running[0].label()}")
    elif spans:
        listed = ", ".join(p.label() for p in spans)
        work.warnings.append(f"droits AMO du dossier patient ({listed}) non ouverts le {fr(day)} : vérifiez-les "
                             "(carte Vitale, ADRi) avant de facturer.")
        work.trace.append(f"{HEAD}droits AMO {listed} : pas ouverts le {fr(day)}")


def _service(record: PatientRights, day: date, work: _Work) -> None:
    known = default_rates().services_amo
    for span in record.spans(PeriodKind.SERVICE):
        code = (span.code or "").upper()
        what = f"service AMO {code} {span.label()}"
        if not span.covers(day):
            work.trace.append(f"{HEAD}{what} : hors période le {fr(day)}, non retenu")
        elif code in known:
            work.take("service_amo", code, what)
        else:
            work.trace.append(f"{HEAD}{what} ({AMO_SERVICES.get(code, code)}) : la table des taux ne lui connaît "
                              "pas de taux, la part AMO suit les autres règles")


def _exoneration(record: PatientRights, day: date, work: _Work) -> None:
    found = record_exoneration(record, day)
    if found is None:
        return
    code, what = found
    if code == sp.ALD_EXONERATION:
        work.trace.append(f"{HEAD}{what} : appliquée aux seuls soins en rapport avec l'ALD (question ALD de la "
                          "facture)")
    elif code in establishment_only():
        work.trace.append(f"{HEAD}{what} non retenue : {establishment_message(code)}")
    else:
        work.take("exoneration", code, what)


def _ald(record: PatientRights, day: date, work: _Work) -> None:
    spans = record.spans(PeriodKind.ALD)
    if record.in_ald(day):
        running = [p for p in spans if p.covers(day)]
        work.trace.append(f"{HEAD}ALD " + (running[0].label() if running else "(sans période)"))
    elif spans:
        work.trace.append(f"{HEAD}ALD {', '.join(p.label() for p in spans)} : hors période le {fr(day)}")


def _chosen_contract(record: PatientRights, doc: Mapping[str, Any]) -> Contract | None:
    payer = doc.get("payer")
    wanted = payer.get("amc_contract") if isinstance(payer, Mapping) else None
    return next((c for c in record.contracts if c.id == wanted), None)


def _reference_dates(contract: Contract, doc: Mapping[str, Any], day: date) -> tuple[list[date], str]:
    """The dates the contract's rights are checked at, by its « date de référence »."""
    if contract.reference_date == "facturation":
        return [day], "date de facturation"
    if contract.reference_date == "prescription":
        prescription = doc.get("prescription")
        written = sp.iso_date(prescription.get("date"), "prescription.date", required=False) \
            if isinstance(prescription, Mapping) else None
        return [written or day], "date de prescription"
    return care_dates(doc, day), "date d'exécution des soins"


def _contract(record: PatientRights, doc: Mapping[str, Any], day: date, work: _Work) -> None:
    """The complementary contract chosen must have rights on the date its reference date names."""
    contract = _chosen_contract(record, doc)
    if contract is None:
        return
    dates, what = _reference_dates(contract, doc, day)
    outside = [d for d in dates if not contract.covers(d)]
    if outside:
        raise ValidationError(f"payer.amc_contract : les droits du contrat complémentaire {contract.label()} ne "
                              f"couvrent pas le {fr(outside[0])} ({what}) ; choisissez un autre contrat ou mettez "
                              "ses droits à jour.", code="amc_rights_period", field="payer.amc_contract")
    work.trace.append(f"{HEAD}contrat complémentaire {contract.label()} : droits ouverts le "
                      f"{', '.join(fr(d) for d in dates)} ({what})")


def _c2s(record: PatientRights, doc: Mapping[str, Any], day: date, work: _Work, service: str,
         contract_type: str) -> Complementary:
    """A C2S beneficiary's complementary is the C2S: contract type 89, run by his AMO or the chosen manager."""
    chosen = _chosen_contract(record, doc)
    if chosen is not None and chosen.contract_type != contract_type:
        raise ValidationError(f"payer.amc_contract : le patient bénéficie de la {service} le {fr(day)} : sa "
                              f"complémentaire est la {service} (contrat type {contract_type}), pas {chosen.name} ; "
                              f"choisissez son contrat {service}, aucun contrat, ou annulez le service "
                              "(coverage.service_amo : null).", code="c2s_complementary", field="payer.amc_contract")
    candidates = sorted((c for c in record.contracts if c.contract_type == contract_type and c.covers(day)),
                        key=lambda c: not c.selected)
    contract = chosen or (candidates[0] if candidates else None)
    out = Complementary(kind=service, contract_type=contract_type, management=str(c2s_facts()["management"]),
                        contract_id=None, organism=record.amo_organism, name="AMO du patient")
    if contract is not None:
        out = out.model_copy(update={"contract_id": contract.id, "organism": contract.number, "name": contract.name})
    if out.organism is None:
        work.warnings.append(f"{service} : organisme gestionnaire inconnu (ni contrat de type {contract_type} ni "
                             "caisse AMO au dossier patient) : complétez le dossier avant la télétransmission.")
    work.trace.append(f"{HEAD}complémentaire de la facture : {service} (contrat type {contract_type}, gestion "
                      f"unique), organisme {out.name} {out.organism or 'inconnu'}")
    return out


def _c2s_tiers_payant(doc: Mapping[str, Any], work: _Work) -> TiersPayant | None:
    payer = doc.get("payer")
    typed = isinstance(payer, Mapping) and ("tp_amo" in payer or "tp_amc" in payer)
    if "tiers_payant" in doc or typed:
        return None
    work.trace.append(f"{HEAD}tiers payant AMO et AMC (bénéficiaire de la C2S, dispensé de l'avance des frais)")
    return TiersPayant.model_validate(c2s_facts()["tiers_payant"])


# --- on the pricing document ---------------------------------------------------------------------------------------

def apply(priced: dict[str, Any], decision: RecordRights | None) -> None:
    """Put the stored decision on the pricing document: the record's coverage fields where the document gives
    none, its tiers payant when the document chose none (``None``: a document feuille has not prepared)."""
    if decision is None:
        return
    from_record = decision.coverage.fields()
    if from_record:
        coverage = dict(priced.get("coverage") or {})
        for key, value in from_record.items():
            coverage.setdefault(key, value)
        priced["coverage"] = coverage
    if decision.tiers_payant is not None and "tiers_payant" not in priced:
        priced["tiers_payant"] = decision.tiers_payant.model_dump()
