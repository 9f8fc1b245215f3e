"""Verifying an invoice: every signature against its card's registered certificate, then what is stored now
against what was signed and against the audit chain's latest snapshot, field by field, in French.

* A signature is checked with the certificate registered when its card was first read (never with the key stored
  beside it); the signed content is kept with the signature, so a difference names the field and both values:
  « part patient modifiée en base (signé 7,95, trouvé 0,00) ». A signature of format ``feuille-facture/3`` covers
  M, the B2 records and the digest of the JSON kept beside it (:mod:`feuille.billing.fse`): the digest is checked
  against that JSON, and the records against the invoice's records mapped again now (:mod:`verification_b2`).
* What may change after signing (state, version, update time, care sheet sent on paper) and the rows that refer to
  the invoice (signatures, payments, attachments, portable-reader stays…) are compared with the snapshot the audit
  log took at the invoice's last audited change (:mod:`feuille.billing.sealing`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feuille.auth import Context, Permission, require
from feuille.billing import fse, sealing, state, verification_b2
from feuille.billing.verification_labels import changed, row_label, state_label
from feuille.cards.port import CardKind, Signature
from feuille.cards.signatures import verify
from feuille.domain.invoices import MODE_LABELS, NEEDS_VITALE, InvoiceState, SecureMode, digest
from feuille.practice import card_certificates
from feuille.storage.models import AuditEntry, Invoice, InvoiceSignature

SIGNED_STATES = frozenset(InvoiceState) - {InvoiceState.DRAFT, InvoiceState.PRICED, InvoiceState.DELETED}
STEP_STATE = {"first": InvoiceState.PARTLY_SECURED.value, "final": InvoiceState.SECURED.value}
STEP_LABELS = {"first": "première", "final": "finale", "vitale": "de la carte Vitale"}


@dataclass(frozen=True)
class SignatureCheck:
    step: str
    card_serial: str
    card_kind: str
    valid: bool


@dataclass(frozen=True)
class Verification:
    invoice_id: int
    checks: tuple[SignatureCheck, ...]
    problems: tuple[str, ...]  # French, one difference each

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, object]:
        return {"id": self.invoice_id, "ok": self.ok, "problems": list(self.problems),
                "signatures": [{"step": c.step, "card_serial": c.card_serial, "card_kind": c.card_kind,
                                "valid": c.valid} for c in self.checks]}


def _certificate_problems(session: Session, sig: InvoiceSignature) -> tuple[bytes | None, list[str]]:
    """The registered key of the signing card, if it can be trusted."""
    cert = card_certificates.find(session, sig.card_serial)
    if cert is None:
        return None, [f"signature {STEP_LABELS.get(sig.step, sig.step)} : aucun certificat enregistré pour la "
                      f"carte {sig.card_serial} (carte jamais lue) : signature invérifiable."]
    audited = card_certificates.audited_fingerprint(session, sig.card_serial)
    actual = card_certificates.fingerprint(cert.public_key)
    if audited != actual or cert.fingerprint != actual:
        return None, [f"certificat de la carte {sig.card_serial} modifié en base (journal "
                      f"{(audited or 'absent')[:16]}, trouvé {actual[:16]})."]
    problems = []
    if cert.card_kind != sig.card_kind:
        problems.append(f"signature {STEP_LABELS.get(sig.step, sig.step)} : type de carte modifié en base "
                        f"(certificat {cert.card_kind}, trouvé {sig.card_kind}).")
    return cert.public_key, problems


def _signature(session: Session, row: Invoice, sig: InvoiceSignature) -> tuple[bool, list[str],
                                                                               dict[str, Any] | None]:
    """(valid, problems, signed content) of one stored signature."""
    step = STEP_LABELS.get(sig.step, sig.step)
    key, problems = _certificate_problems(session, sig)
    if sig.public_key != key and key is not None:
        problems.append(f"signature {step} : la clé enregistrée avec la signature n'est pas celle du certificat "
                        f"de la carte {sig.card_serial}.")
    data = sig.signed_data
    if data is None:
        return False, [*problems, f"signature {step} : contenu signé non conservé (signature antérieure à la "
                                  "version 0008) : invérifiable."], None
    if digest(data) != sig.signed_hash:
        problems.append(f"signature {step} : empreinte modifiée en base.")
    signed = fse.split(data)
    valid = key is not None and verify(Signature(sig.card_serial, CardKind.CPS, sig.algorithm, sig.value, key),
                                       signed.message if signed else data)
    if not valid:
        problems.append(f"signature {step} (carte {sig.card_serial}) invalide : signature ou contenu signé "
                        "modifié en base.")
        return False, problems, None
    if signed is not None and fse.content_digest(signed.content) != signed.digest:
        problems.append(f"signature {step} : contenu conservé avec la signature modifié en base (son empreinte "
                        "n'est plus celle que la carte a signée).")
        return False, problems, None
    content = sealing.parse_signed(signed.content if signed else data)
    if content is None:
        return False, [*problems, f"signature {step} : contenu signé illisible."], None
    wanted = _wanted_state(row, sig.step)
    if content.get("state") != wanted:
        problems.append(f"signature {step} : étape modifiée en base (signée pour l'état "
                        f"{state_label(content.get('state'))}).")
    return not problems, problems, content


def _wanted_state(row: Invoice, step: str) -> str | None:
    """The state a signature of ``step`` was made for: the Vitale card signs with the first signature of a
    desynchronised invoice, with the only one otherwise."""
    if step == "vitale":
        desynchronised = row.secure_mode == SecureMode.DESYNCHRONISE
        return STEP_STATE["first" if desynchronised else "final"]
    return STEP_STATE.get(step)


def _content_problems(content: Mapping[str, Any], row: Invoice) -> list[str]:
    signed = content.get("invoice", {})
    now = sealing.signed_content(row, "")["invoice"]
    problems: list[str] = []
    for name in sorted(set(signed) | set(now)):
        if signed.get(name) == now.get(name):
            continue
        if name == "priced":
            problems.extend(_priced_problems(signed.get(name), now.get(name)))
        else:
            problems.append(changed("invoices", name, signed.get(name), now.get(name), "signé"))
    return problems


def _priced_problems(signed: object, now: object) -> list[str]:
    """Line by line: « ligne 1 (C) : part AMO modifiée en base (signé 16,10, trouvé 0,00) »."""
    try:
        before, after = json.loads(str(signed)), json.loads(str(now))
    except ValueError:
        return [changed("invoices", "priced", None, None, "signé")]
    problems = []
    lines_before, lines_after = before.get("lines", []), after.get("lines", [])
    if len(lines_before) != len(lines_after):
        problems.append(f"nombre de lignes tarifées modifié en base (signé {len(lines_before)}, trouvé "
                        f"{len(lines_after)}).")
    for i, (old, new) in enumerate(zip(lines_before, lines_after, strict=False), 1):
        for key in sorted(set(old) | set(new)):
            if old.get(key) != new.get(key):
                problems.append(f"ligne {i} ({old.get('code', '?')}) : "
                                + changed("lines", key, old.get(key), new.get(key), "signé"))
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if key == "lines" or old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):  # the totals: amount by amount
            problems.extend("totaux : " + changed("lines", name, old.get(name), new.get(name), "signé")
                            for name in sorted(set(old) | set(new)) if old.get(name) != new.get(name))
        else:
            problems.append(changed("priced", key, old, new, "signé"))
    return problems or [changed("invoices", "priced", None, None, "signé")]


def _seal_problems(seal: Mapping[str, Any], now: Mapping[str, Any], signed_columns: set[str]) -> list[str]:
    problems: list[str] = []
    before, after = seal.get("invoice") or {}, now.get("invoice") or {}
    for name in sorted(set(before) | set(after)):
        if name not in signed_columns and before.get(name) != after.get(name):
            problems.append(changed("invoices", name, before.get(name), after.get(name), "journal"))
    tables_before, tables_after = seal.get("rows") or {}, now.get("rows") or {}
    for table in sorted(set(tables_before) | set(tables_after)):
        rows_before, rows_after = tables_before.get(table, {}), tables_after.get(table, {})
        for key in sorted(set(rows_before) | set(rows_after)):
            what = row_label(table, key)
            if key not in rows_after:
                problems.append(f"{what} supprimé(e) en base.")
            elif key not in rows_before:
                problems.append(f"{what} ajouté(e) en base hors de l'application.")
            else:
                problems.extend(f"{what} : " + changed(table, column, rows_before[key].get(column),
                                                       rows_after[key].get(column), "journal")
                                for column in sorted(set(rows_before[key]) | set(rows_after[key]))
                                if rows_before[key].get(column) != rows_after[key].get(column))
    return problems


def _structure_problems(row: Invoice, signatures: list[InvoiceSignature]) -> list[str]:
    steps = {sig.step for sig in signatures}
    if row.credit_of is not None and row.state == InvoiceState.DRAFT and not signatures:
        return []  # a credit note waiting for its signature (its signing was released): a draft, unsigned
    if row.credit_of is not None:
        if not signatures:
            return [f"avoir de la facture n° {row.credit_of} sans signature : un avoir est signé par la CPS du "
                    "professionnel qui facture."]
        if not any(sig.step == "final" and sig.card_kind == CardKind.CPS.value for sig in signatures):
            return [f"avoir de la facture n° {row.credit_of} sans signature finale d'une CPS."]
        return []
    if row.state in SIGNED_STATES and not steps:
        return ["facture sécurisée sans aucune signature enregistrée."]
    if (row.state in SIGNED_STATES - {InvoiceState.PARTLY_SECURED, InvoiceState.CANCELLED}
            and row.secure_mode == SecureMode.DESYNCHRONISE and "final" not in steps):
        return ["facture désynchronisée sans signature finale."]
    # The Vitale card signs with the first signature of a desynchronised invoice, with the only one otherwise:
    # required when that signature is of format /3 (one signed before it existed is not asked for it).
    with_vitale = "first" if row.secure_mode == SecureMode.DESYNCHRONISE else "final"
    fse_signed = any(sig.step == with_vitale and sig.signed_data is not None and fse.split(sig.signed_data)
                     for sig in signatures)
    if fse_signed and row.secure_mode in NEEDS_VITALE and "vitale" not in steps:
        return [f"facture sécurisée en mode {MODE_LABELS[SecureMode(row.secure_mode)]} sans la signature de la "
                "carte Vitale (ou de l'appli)."]
    return []


def latest_seal(session: Session, invoice_id: int) -> dict[str, Any] | None:
    for data in session.scalars(select(AuditEntry.data).where(AuditEntry.entity == "invoice",
                                                              AuditEntry.entity_id == str(invoice_id))
                                .order_by(AuditEntry.id.desc())):
        seal = json.loads(data).get("seal")
        if isinstance(seal, dict):
            return seal
    return None


def check(session: Session, row: Invoice, seal: Mapping[str, Any] | None = None) -> Verification:
    """Every difference between what is stored and what was signed and audited (``seal``: the latest snapshot,
    read from the audit log when not given)."""
    signatures = load_signatures(session, row.id)
    checks: list[SignatureCheck] = []
    problems: list[str] = []
    signed_columns: set[str] = set()
    for sig in signatures:
        valid, found, content = _signature(session, row, sig)
        checks.append(SignatureCheck(sig.step, sig.card_serial, sig.card_kind, valid))
        problems.extend(found)
        if content is not None:
            problems.extend(p for p in _content_problems(content, row) if p not in problems)
            signed_columns |= set(content["invoice"])
    problems.extend(p for p in verification_b2.problems(row, signatures) if p not in problems)
    problems.extend(_structure_problems(row, signatures))
    seal = seal if seal is not None else latest_seal(session, row.id)
    if seal is not None:
        problems.extend(_seal_problems(seal, sealing.snapshot(session, row.id), signed_columns))
    return Verification(row.id, tuple(checks), tuple(problems))


def load_signatures(session: Session, invoice_id: int) -> list[InvoiceSignature]:
    return list(session.scalars(select(InvoiceSignature).where(InvoiceSignature.invoice_id == invoice_id)
                                .order_by(InvoiceSignature.id)))


def verify_invoice(ctx: Context, ref: object) -> Verification:
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        row = state.load(session, ref)
        return check(session, row)


def _seals(session: Session) -> dict[str, dict[str, Any]]:
    """The latest snapshot of every invoice, in one pass over the audit log."""
    latest: dict[str, dict[str, Any]] = {}
    for entity_id, data in session.execute(select(AuditEntry.entity_id, AuditEntry.data)
                                           .where(AuditEntry.entity == "invoice").order_by(AuditEntry.id)):
        seal = json.loads(data).get("seal")
        if isinstance(seal, dict):
            latest[entity_id] = seal
    return latest


def verify_all(ctx: Context) -> Iterator[Verification]:
    """Every invoice, in id order (``feuille facture verifier --toutes``)."""
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        seals = _seals(session)
        for row in list(session.scalars(select(Invoice).order_by(Invoice.id))):
            yield check(session, row, seals.get(str(row.id)))
