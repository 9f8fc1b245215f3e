"""Checking an invoice's signatures against the bytes recomputed from what is stored now.

Any edit of a signed invoice (a total, a line, the number, the patient) changes its canonical bytes, so the
stored signatures no longer verify: the tampering is reported, never silently accepted. A credit note must carry
the final signature of a CPS over its own bytes (which name the invoice it cancels).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key
from sqlalchemy import select
from sqlalchemy.orm import Session

from feuille.auth import Context, Permission, require
from feuille.billing import store
from feuille.cards.port import CardKind
from feuille.domain.invoices import InvoiceState, SecureMode, digest
from feuille.storage.models import Invoice, InvoiceSignature

SIGNED_STATES = frozenset(InvoiceState) - {InvoiceState.DRAFT, InvoiceState.PRICED, InvoiceState.DELETED}


def signature_valid(public_key: bytes, value: bytes, data: bytes) -> bool:
    """ECDSA (P-256…) or RSA PKCS#1 v1.5, both over SHA-256."""
    try:
        key = load_der_public_key(public_key)
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(value, data, ec.ECDSA(hashes.SHA256()))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(value, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            return False
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


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
    problems: tuple[str, ...]  # French

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, object]:
        return {"id": self.invoice_id, "ok": self.ok, "problems": list(self.problems),
                "signatures": [{"step": c.step, "card_serial": c.card_serial, "card_kind": c.card_kind,
                                "valid": c.valid} for c in self.checks]}


def check(row: Invoice, signatures: list[InvoiceSignature]) -> Verification:
    data = store.signed_bytes(row)
    checks: list[SignatureCheck] = []
    problems: list[str] = []
    for sig in signatures:
        valid = sig.signed_hash == digest(data) and signature_valid(sig.public_key, sig.value, data)
        checks.append(SignatureCheck(sig.step, sig.card_serial, sig.card_kind, valid))
        if not valid:
            problems.append(f"Signature {'première' if sig.step == 'first' else 'finale'} (carte {sig.card_serial}) "
                            "invalide : la facture a été modifiée après sa signature.")
    steps = {sig.step for sig in signatures}
    if row.credit_of is not None:
        problems.extend(_credit_note_problems(row, signatures))
    elif row.state in SIGNED_STATES and not steps:
        problems.append("Facture sécurisée sans aucune signature enregistrée.")
    if (row.state in SIGNED_STATES - {InvoiceState.PARTLY_SECURED, InvoiceState.CANCELLED}
            and row.secure_mode == SecureMode.DESYNCHRONISE and "final" not in steps):
        problems.append("Facture désynchronisée sans signature finale.")
    return Verification(row.id, tuple(checks), tuple(problems))


def _credit_note_problems(row: Invoice, signatures: list[InvoiceSignature]) -> list[str]:
    if not signatures:
        return [f"Avoir de la facture n° {row.credit_of} sans signature : un avoir est signé par la CPS du "
                "professionnel qui facture."]
    if not any(sig.step == "final" and sig.card_kind == CardKind.CPS.value for sig in signatures):
        return [f"Avoir de la facture n° {row.credit_of} sans signature finale d'une CPS."]
    return []


def load_signatures(session: Session, invoice_id: int) -> list[InvoiceSignature]:
    return list(session.scalars(select(InvoiceSignature).where(InvoiceSignature.invoice_id == invoice_id)
                                .order_by(InvoiceSignature.id)))


def verify_invoice(ctx: Context, ref: object) -> Verification:
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        row = store.load(session, ref)
        return check(row, load_signatures(session, row.id))
