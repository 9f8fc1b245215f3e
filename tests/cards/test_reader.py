"""The virtual reader: PIN, blocking, unblocking, insertion state on disk, signatures through PKCS#11."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feuille.cards.port import (
    ECDSA_P256_SHA256,
    CardBlockedError,
    CardKind,
    CardReader,
    CardUnusableError,
    NoCardError,
    PinFormatError,
    PinNotVerifiedError,
    UnknownCardError,
    WrongPinError,
    WrongPukError,
)
from feuille.cards.signatures import canonical_bytes, verify
from feuille.cards.virtual import VirtualCardReader
from tests.cards.conftest import MODULE

FIRMIER = "2501000001"
REMPEX = "2501000003"
CPE = "2501000004"
PIN, PUK = "1234", "12345678"
DATA = canonical_bytes({"invoice": "F-0001", "total": "26.50"})


def test_is_a_card_reader(reader: VirtualCardReader) -> None:
    port: CardReader = reader
    assert port.professional_card() is None and port.vitale_card() is None


def test_insert_cps_reads_its_holder(reader: VirtualCardReader) -> None:
    reader.insert("cps-rempex")
    card = reader.professional_card()
    assert card is not None and card.kind == CardKind.CPS
    assert (card.last_name, card.first_name, card.rpps, card.billing_number, card.mode) == (
        "REMPEXMED0055789", "NATHALIE", "99700557897", "99700557 8", "remplacant")


def test_insert_by_serial_and_unknown_card(reader: VirtualCardReader) -> None:
    card, _ = reader.insert(FIRMIER)
    assert card.name == "cps-firmier"
    with pytest.raises(UnknownCardError):
        reader.insert("cps-inconnue")


def test_right_pin_then_sign_and_verify(reader: VirtualCardReader) -> None:
    reader.insert("cps-firmier")
    reader.verify_pin(FIRMIER, PIN)
    signature = reader.sign(FIRMIER, DATA)
    assert signature.card_serial == FIRMIER and signature.card_kind == CardKind.CPS
    assert signature.algorithm == ECDSA_P256_SHA256
    assert verify(signature, DATA)
    assert not verify(signature, DATA.replace(b"26.50", b"26.51"))


def test_cps_key_is_the_provisioned_one(reader: VirtualCardReader, card_dir: Path) -> None:
    import base64

    reader.insert("cps-firmier")
    reader.verify_pin(FIRMIER, PIN)
    recorded = json.loads((card_dir / "cards" / "cps-firmier.json").read_text())["public_key"]
    assert reader.sign(FIRMIER, DATA).public_key == base64.b64decode(recorded)


def test_wrong_pin_counts_down(reader: VirtualCardReader) -> None:
    reader.insert("cps-firmier")
    with pytest.raises(WrongPinError) as first:
        reader.verify_pin(FIRMIER, "0000")
    assert first.value.remaining == 2
    with pytest.raises(WrongPinError) as second:
        reader.verify_pin(FIRMIER, "9999")
    assert second.value.remaining == 1
    reader.verify_pin(FIRMIER, PIN)  # a right PIN resets the counter
    assert reader.status().professional is not None
    assert reader.status().professional.pin_tries_left == 3  # type: ignore[union-attr]


def test_three_wrong_pins_block_and_survive_a_restart(reader: VirtualCardReader, card_dir: Path) -> None:
    reader.insert("cps-firmier")
    for _ in range(2):
        with pytest.raises(WrongPinError):
            reader.verify_pin(FIRMIER, "0000")
    with pytest.raises(CardBlockedError) as blocked:
        reader.verify_pin(FIRMIER, "0000")
    assert blocked.value.kind == CardKind.CPS
    restarted = VirtualCardReader(card_dir, MODULE)
    with pytest.raises(CardBlockedError):
        restarted.verify_pin(FIRMIER, PIN)  # even the right PIN
    restarted.remove()
    restarted.insert("cps-firmier")
    with pytest.raises(CardBlockedError):
        restarted.verify_pin(FIRMIER, PIN)
    state = json.loads((card_dir / "state" / "cps-firmier.json").read_text())
    assert state["blocked"] is True and state["pin_tries_left"] == 0


def test_block_is_per_card(reader: VirtualCardReader) -> None:
    reader.insert("cps-firmier")
    for _ in range(2):
        with pytest.raises(WrongPinError):
            reader.verify_pin(FIRMIER, "0000")
    with pytest.raises(CardBlockedError):
        reader.verify_pin(FIRMIER, "0000")
    reader.insert("cps-rempex")
    reader.verify_pin(REMPEX, PIN)


def test_unblock_with_puk(reader: VirtualCardReader, card_dir: Path) -> None:
    reader.insert("cps-firmier")
    for _ in range(2):
        with pytest.raises(WrongPinError):
            reader.verify_pin(FIRMIER, "0000")
    with pytest.raises(CardBlockedError):
        reader.verify_pin(FIRMIER, "0000")
    with pytest.raises(WrongPukError) as wrong:
        reader.unblock("cps-firmier", "87654321", "4321")
    assert wrong.value.remaining == 9
    with pytest.raises(CardBlockedError):
        reader.verify_pin(FIRMIER, PIN)
    reader.unblock("cps-firmier", PUK, "4321")
    restarted = VirtualCardReader(card_dir, MODULE)
    with pytest.raises(WrongPinError):
        restarted.verify_pin(FIRMIER, PIN)  # the old PIN is gone
    restarted.verify_pin(FIRMIER, "4321")
    assert verify(restarted.sign(FIRMIER, DATA), DATA)


def test_puk_tries_run_out(reader: VirtualCardReader, card_dir: Path) -> None:
    state = card_dir / "state" / "cps-medecin.json"
    state.parent.mkdir(exist_ok=True)
    state.write_text(json.dumps({"pin_tries_left": 0, "blocked": True, "puk_tries_left": 1}))
    with pytest.raises(CardUnusableError):
        reader.unblock("cps-medecin", "00000000", "4321")
    with pytest.raises(CardUnusableError):
        reader.unblock("cps-medecin", PUK, "4321")  # even the right code: the card is dead


@pytest.mark.parametrize("pin", ["", "123", "12345", "abcd", "١٢٣٤", None, 1234])
def test_malformed_pin_is_refused_without_costing_a_try(reader: VirtualCardReader, pin: object) -> None:
    reader.insert("cps-firmier")
    with pytest.raises(PinFormatError):
        reader.verify_pin(FIRMIER, pin)  # type: ignore[arg-type]
    assert reader.status().professional.pin_tries_left == 3  # type: ignore[union-attr]


@pytest.mark.parametrize(("puk", "new_pin"), [("1234567", "4321"), ("12345678", "43210"), ("", ""), ("x" * 8, "1")])
def test_malformed_unblock_codes(reader: VirtualCardReader, puk: str, new_pin: str) -> None:
    with pytest.raises(PinFormatError):
        reader.unblock("cps-firmier", puk, new_pin)


def test_unblock_a_vitale_card_is_refused(reader: VirtualCardReader) -> None:
    with pytest.raises(UnknownCardError):
        reader.unblock("vitale-essai", PUK, "4321")


def test_pin_of_a_card_not_inserted(reader: VirtualCardReader) -> None:
    with pytest.raises(NoCardError):
        reader.verify_pin(FIRMIER, PIN)
    reader.insert("cps-rempex")
    with pytest.raises(NoCardError):
        reader.verify_pin(FIRMIER, PIN)


def test_signing_without_pin_is_refused(reader: VirtualCardReader) -> None:
    reader.insert("cps-firmier")
    with pytest.raises(PinNotVerifiedError):
        reader.sign(FIRMIER, DATA)


def test_pin_is_forgotten_when_the_card_is_removed(reader: VirtualCardReader, card_dir: Path) -> None:
    reader.insert("cps-firmier")
    reader.verify_pin(FIRMIER, PIN)
    other_process = VirtualCardReader(card_dir, MODULE)
    other_process.remove("professional")
    other_process.insert("cps-firmier")
    with pytest.raises(PinNotVerifiedError):
        reader.sign(FIRMIER, DATA)


def test_pin_is_not_shared_between_processes(reader: VirtualCardReader, card_dir: Path) -> None:
    reader.insert("cps-firmier")
    reader.verify_pin(FIRMIER, PIN)
    with pytest.raises(PinNotVerifiedError):
        VirtualCardReader(card_dir, MODULE).sign(FIRMIER, DATA)


def test_no_pin_on_disk(reader: VirtualCardReader, card_dir: Path) -> None:
    reader.insert("cps-firmier")
    reader.verify_pin(FIRMIER, PIN)
    for path in card_dir.rglob("*.json"):
        text = path.read_text()
        assert '"1234"' not in text and "12345678" not in text, path


def test_signing_with_a_card_not_inserted(reader: VirtualCardReader) -> None:
    with pytest.raises(NoCardError):
        reader.sign(FIRMIER, DATA)


def test_cpe_can_sign(reader: VirtualCardReader) -> None:
    card, _ = reader.insert("cpe-secretaire")
    assert card.professional is not None and card.professional.billing_number is None
    reader.verify_pin(CPE, PIN)
    signature = reader.sign(CPE, DATA)
    assert signature.card_kind == CardKind.CPE and verify(signature, DATA)


def test_cpe_blocks_too(reader: VirtualCardReader) -> None:
    reader.insert("cpe-secretaire")
    for _ in range(2):
        with pytest.raises(WrongPinError):
            reader.verify_pin(CPE, "1111")
    with pytest.raises(CardBlockedError) as blocked:
        reader.verify_pin(CPE, "1111")
    assert blocked.value.kind == CardKind.CPE


def test_blocked_elsewhere_after_verification_stops_signing(reader: VirtualCardReader, card_dir: Path) -> None:
    reader.insert("cps-firmier")
    reader.verify_pin(FIRMIER, PIN)
    (card_dir / "state" / "cps-firmier.json").write_text(
        json.dumps({"pin_tries_left": 0, "blocked": True, "puk_tries_left": 10}))
    with pytest.raises(CardBlockedError):
        reader.sign(FIRMIER, DATA)


@pytest.mark.parametrize("name", ["vitale-essai", "vitale-desmaux", "apcv-durand", "apcv-issner"])
def test_vitale_and_app_sign_with_their_own_key(reader: VirtualCardReader, name: str) -> None:
    card, _ = reader.insert(name)
    signature = reader.sign(card.serial, DATA)
    assert signature.card_kind == card.kind and verify(signature, DATA)
    assert not verify(signature, DATA + b" ")


def test_cps_and_vitale_keys_differ(reader: VirtualCardReader) -> None:
    reader.insert("cps-firmier")
    vitale, _ = reader.insert("vitale-essai")
    reader.verify_pin(FIRMIER, PIN)
    assert reader.sign(FIRMIER, DATA).public_key != reader.sign(vitale.serial, DATA).public_key


def test_vitale_card_with_several_beneficiaries(reader: VirtualCardReader) -> None:
    reader.insert("vitale-essai")
    card = reader.vitale_card()
    assert card is not None and card.kind == CardKind.VITALE and card.reading is None
    assert card.insured_nir == "1421962965165 96"
    assert [b.fields["first_name"] for b in card.beneficiaries] == ["Alain", "Alexis", "Arthur"]


@pytest.mark.parametrize(("name", "reading"), [("apcv-durand", "qr"), ("apcv-issner", "nfc")])
def test_app_payload_is_decoded(reader: VirtualCardReader, name: str, reading: str) -> None:
    reader.insert(name)
    card = reader.vitale_card()
    assert card is not None and card.kind == CardKind.APCV and card.reading == reading
    assert card.beneficiaries[0].fields["amo_proof"] == "apcv"


def test_insertion_survives_a_restart_and_removal(reader: VirtualCardReader, card_dir: Path) -> None:
    reader.insert("cps-medecin")
    reader.insert("vitale-desmaux")
    again = VirtualCardReader(card_dir, MODULE)
    assert again.professional_card().last_name == "MEDECIN0043390"  # type: ignore[union-attr]
    assert again.vitale_card().beneficiaries[0].fields["last_name"] == "DESMAUX"  # type: ignore[union-attr]
    assert [i.name for i in again.remove("vitale")] == ["vitale-desmaux"]
    assert again.vitale_card() is None and again.professional_card() is not None
    assert [i.name for i in again.remove()] == ["cps-medecin"]
    assert again.remove() == []


def test_a_second_professional_card_replaces_the_first(reader: VirtualCardReader) -> None:
    reader.insert("cps-firmier")
    reader.verify_pin(FIRMIER, PIN)
    _, replaced = reader.insert("cpe-secretaire")
    assert replaced is not None and replaced.serial == FIRMIER
    assert reader.professional_card().kind == CardKind.CPE  # type: ignore[union-attr]
    reader.insert("cps-firmier")
    with pytest.raises(PinNotVerifiedError):
        reader.sign(FIRMIER, DATA)  # a new insertion asks the PIN again


def test_available_lists_every_card(reader: VirtualCardReader) -> None:
    names = [c.name for c in reader.available()]  # type: ignore[union-attr]
    assert names == ["apcv-durand", "apcv-issner", "cpe-secretaire", "cps-firmier", "cps-medecin", "cps-rempex",
                     "vitale-ald", "vitale-alsace", "vitale-at", "vitale-c2s", "vitale-desmaux", "vitale-droits-clos",
                     "vitale-essai", "vitale-famille", "vitale-rdtbut"]


def test_missing_module_is_a_clear_error(card_dir: Path) -> None:
    from feuille.cards.port import CardDeviceError

    broken = VirtualCardReader(card_dir, "/nonexistent/libcryptolib.so")
    broken.insert("cps-firmier")
    with pytest.raises(CardDeviceError) as error:
        broken.verify_pin(FIRMIER, PIN)
    assert "introuvable" in error.value.reason


def test_missing_token_is_a_clear_error(reader: VirtualCardReader, card_dir: Path) -> None:
    import shutil

    from feuille.cards.port import CardDeviceError

    shutil.rmtree(card_dir / "tokens")
    (card_dir / "tokens").mkdir()
    reader.insert("cps-firmier")
    with pytest.raises(CardDeviceError):
        reader.verify_pin(FIRMIER, PIN)
    assert reader.status().professional.pin_tries_left == 3  # type: ignore[union-attr]
