"""The certificate of a card is registered at its first reading (``card insert``), and a card presenting another
key under the same serial is refused: signatures are later verified against the registered one."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from feuille.auth import Context
from feuille.practice import card_certificates
from feuille.storage.models import AuditEntry, CardCertificate

PIN = "1234"


def certificates(ctx: Context) -> dict[str, CardCertificate]:
    with ctx.db.read() as session:
        return {row.card_serial: row for row in session.scalars(sa.select(CardCertificate))}


def test_first_reading_registers_the_certificate_once(card_cli, card_dir: Path, ctx: Context) -> None:  # type: ignore[no-untyped-def]
    card = json.loads((card_dir / "cards" / "cps-firmier.json").read_text())
    first = card_cli("card", "insert", "cps-firmier", "--pin", PIN, "--oui")
    assert first.exit_code == 0, first.stderr
    assert f"Certificat de la carte {card['serial']} enregistré" in first.stdout
    saved = certificates(ctx)[card["serial"]]
    assert saved.public_key == base64.b64decode(card["public_key"]) and saved.card_kind == "cps"
    assert saved.professional_id is not None  # registered after the professional it belongs to
    again = card_cli("card", "insert", "cps-firmier", "--pin", PIN)
    assert again.exit_code == 0 and "Certificat" not in again.stdout
    vitale = card_cli("card", "insert", "vitale-essai")
    assert vitale.exit_code == 0 and "Certificat de la carte" in vitale.stdout
    with ctx.db.read() as session:
        entries = session.scalars(sa.select(AuditEntry.entity_id).where(AuditEntry.action == "card.certificate"))
        assert sorted(entries) == sorted(certificates(ctx))
        assert card_certificates.audited_fingerprint(session, card["serial"]) == saved.fingerprint


def test_a_card_with_another_key_is_refused(card_cli, card_dir: Path, ctx: Context) -> None:  # type: ignore[no-untyped-def]
    assert card_cli("card", "insert", "vitale-essai").exit_code == 0
    path = card_dir / "cards" / "vitale-essai.json"
    card = json.loads(path.read_text())
    forged = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    path.write_text(json.dumps({**card, "public_key": base64.b64encode(forged).decode("ascii")}))
    refused = card_cli("card", "insert", "vitale-essai")
    assert refused.exit_code == 4 and "clé différente du certificat enregistré" in refused.stderr
    assert certificates(ctx)[card["serial"]].public_key == base64.b64decode(card["public_key"])
