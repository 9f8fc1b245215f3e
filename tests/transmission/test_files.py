"""The files feuille writes: a golden B2 file of a small lot (the envelope from the lot and the settings, the
invoices' records from ``billing.fse``), and lots of every securing mode, secured with the virtual cards, lotted
and filed by the product, accepted by the caisse de test's checks.

Regenerate the golden file with ``FEUILLE_GOLDEN_WRITE=1`` and review the diff.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from feuille.auth import Context, Role
from feuille.billing import drafts, fse, rate_check, securing
from feuille.cards.virtual import VirtualCardReader
from feuille.formats import b2_file as m
from feuille.formats.b2_reader import read_b2
from feuille.transmission import files, lot_views, lotting, pending
from feuille.transmission import settings as tsettings
from feuille_sim.lots import checks, references
from tests.billing.support import consultation, practice
from tests.conftest import context_as
from tests.transmission.support import secured

GOLDEN = Path(__file__).parent / "golden" / "lot_deux_factures.txt"
PIN = "1234"
CARE_DAY = date(2025, 1, 20)   # the caisse's date: a few days after the care (the tests' clock: 15/01/2025)


def unsigned(session: Session, ids: Sequence[int]) -> dict[int, m.Invoice]:
    """The invoices' records without their signatures (an ECDSA signature differs at each signing)."""
    return {i: replace(invoice, signatures=()) for i, invoice in fse.b2_invoices(session, ids).items()}


def test_the_file_of_a_small_lot_is_the_golden_file(ctx: Context) -> None:
    practice(ctx)
    secured(ctx)
    secured(ctx, acts=[{"code": "C"}, {"code": "MD"}])
    tsettings.update(ctx, {"centres_informatiques": "01 349=001"})
    lot = lotting.put_in_lots(ctx).lots[0]
    (result,) = files.write_files(ctx, source=unsigned)
    assert result.error is None
    text = files.file_bytes(ctx, lot.id).decode("ascii")
    lines = "".join(text[i:i + 128] + "\n" for i in range(0, len(text), 128))
    if os.environ.get("FEUILLE_GOLDEN_WRITE"):
        GOLDEN.write_text(lines, encoding="ascii")
    assert lines == GOLDEN.read_text(encoding="ascii")
    reading = read_b2(text)
    assert reading.ok and reading.file is not None
    assert reading.file.header.recipient_number == "00000001001349"
    assert [i.number for i in reading.file.lots[0].invoices] == [1, 2]


def caisse_problems(ctx: Context, lot_id: int, card_dir: Path, scor: set[tuple[str, int]] | None = None
                    ) -> list[checks.Problem]:
    """The caisse de test's checks of the lot as feuille wrote it, as its reception runs them."""
    text = files.file_bytes(ctx, lot_id).decode("ascii")
    reading = read_b2(text)
    assert reading.ok and reading.file is not None, reading.problems
    placed = checks.place(reading.file, [text[i:i + 128] for i in range(0, len(text), 128)])
    context = checks.Context("01", "349", CARE_DAY, references.known_cards(card_dir), None, set(), scor or set())
    return [*checks.check_envelope(reading.file, "01", "349"), *checks.check_lot(placed[0], context)]


def priced(ctx: Context) -> int:
    return rate_check.check_rates(ctx, drafts.create_draft(ctx, consultation()).id).id


def test_lots_of_every_mode_written_by_feuille_are_accepted_by_the_caisse(
        ctx: Context, reader: VirtualCardReader, card_dir: Path) -> None:
    practice(ctx)
    reader.insert("cps-medecin")
    reader.insert("vitale-essai")
    securing.secure(ctx, priced(ctx), "synchronise", reader, PIN)
    secretary = context_as(ctx.db, Role.SECRETAIRE, "sec")
    reader.insert("cpe-secretaire")
    reader.insert("vitale-essai")
    desynchronised = securing.secure(secretary, priced(ctx), "desynchronise", reader, PIN).id
    reader.insert("cps-medecin")
    securing.finalise(ctx, desynchronised, reader, PIN)
    reader.remove("vitale")
    securing.secure(ctx, priced(ctx), "sans-vitale", reader, PIN)
    degraded = securing.secure(ctx, priced(ctx), "degrade", reader, PIN)
    made = lotting.put_in_lots(ctx).lots
    assert sorted((lot.certification, lot.invoice_count) for lot in made) == [("F", 1), ("S", 2)]
    held = [c for c in pending.listing(ctx) if not c.sendable]
    assert [(c.id, c.reasons) for c in held] == [(degraded.id, ("feuille de soins manquante (mode dégradé)",))]
    assert all(r.error is None for r in files.write_files(ctx))
    for lot in made:
        assert caisse_problems(ctx, lot.id, card_dir) == [], lot
    assert {row.state for row in lot_views.listing(ctx)} == {"fichier_cree"}
