"""Verifying the B2 records the cards signed (format ``feuille-facture/3``): every signature of an invoice covers
the same records 2 to 5, and those are the records the invoice gives when mapped again now
(:func:`feuille.billing.fse.invoice_of`). A difference names the record and the field, in French:
« enregistrement B2 4 (n° 2 de la facture) : amo signé 16,10, recalculé 0,00 ».
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from feuille.billing import fse
from feuille.errors import FeuilleError
from feuille.formats import b2
from feuille.formats import b2_file as m
from feuille.formats.fixed_width import read
from feuille.storage.models import Invoice, InvoiceSignature


def problems(row: Invoice, signatures: Sequence[InvoiceSignature]) -> list[str]:
    """What differs between the signed records and between them and the invoice now (no ``/3`` signature:
    nothing to say here)."""
    signed = [parts.records for sig in signatures
              if sig.signed_data is not None and (parts := fse.split(sig.signed_data)) is not None]
    if not signed:
        return []
    found = []
    if any(records != signed[0] for records in signed[1:]):
        found.append("signatures : les cartes n'ont pas signé les mêmes enregistrements B2 de la facture.")
    try:
        now = m.signed_data(fse.invoice_of(row))
    except FeuilleError as refused:
        return [*found, f"enregistrements B2 de la facture impossibles à recalculer : {refused.message}"]
    if now != signed[-1]:
        found.extend(differences(signed[-1].decode("ascii", errors="replace"), now.decode("ascii")))
    return found


def differences(signed: str, now: str) -> list[str]:
    """Field by field, what was signed and what the invoice gives now, each difference once with the records it
    is in: « fichier B2 : invoice_number modifié en base (signé 000000001, recalculé 000000077), enregistrements
    2, 4, 5 »."""
    size = b2.RECORD_LENGTH
    before = [signed[i:i + size] for i in range(0, len(signed), size)]
    after = [now[i:i + size] for i in range(0, len(now), size)]
    changed: dict[tuple[str, str, str], list[str]] = {}
    whole: list[str] = []
    for number, (old, new) in enumerate(zip(before, after, strict=False), start=1):
        if old != new:
            _fields(number, old, new, changed, whole)
    found = [f"fichier B2 : {name} modifié en base (signé {a}, recalculé {b}), enregistrement"
             f"{'s' if len(where) > 1 else ''} {', '.join(where)}." for (name, a, b), where in changed.items()]
    found += [f"fichier B2 : enregistrement {where} modifié en base (signé et recalculé différents)."
              for where in whole]
    if len(before) != len(after):
        found.append(f"fichier B2 : nombre d'enregistrements modifié en base (signé {len(before)}, recalculé "
                     f"{len(after)}).")
    return found


def _fields(number: int, old: str, new: str, changed: dict[tuple[str, str, str], list[str]],
            whole: list[str]) -> None:
    kind = b2.record_kind(new)
    where = f"{kind.value if kind else '?'} (n° {number})"
    layout = b2.LAYOUTS.get(kind) if kind is not None else None
    try:
        if layout is None or b2.record_kind(old) is not kind:
            raise ValueError
        values_old, values_new = read(layout, old), read(layout, new)
    except (FeuilleError, ValueError):
        whole.append(where)
        return
    for name, value in values_new.items():
        if values_old.get(name) != value:
            changed.setdefault((name, _shown(values_old.get(name)), _shown(value)), []).append(where)


def _shown(value: object) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return f"« {value} »" if str(value).strip() else "vide"
