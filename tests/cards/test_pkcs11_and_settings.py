"""The PKCS#11 signer with an RSA key (a real CPS3 card's kind), concurrent tries, and the settings."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pkcs11
import pytest
from pkcs11 import KeyType

from feuille.cards.card_files import CardDir
from feuille.cards.pkcs11_signer import Pkcs11Token
from feuille.cards.port import RSA_PKCS1_SHA256, CardKind, Signature, WrongPinError
from feuille.cards.signatures import verify
from feuille.cards.virtual import VirtualCardReader
from feuille.config import DEFAULT_PKCS11_MODULE, Settings
from feuille_sim.cards.provision import write_softhsm_conf
from tests.cards.conftest import MODULE


def test_rsa_token_signs_like_a_cps3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    card_dir = CardDir(tmp_path)
    write_softhsm_conf(card_dir)
    monkeypatch.setenv("SOFTHSM2_CONF", str(card_dir.softhsm_conf))
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "CPS3", "--pin", "1234", "--so-pin",
                    "12345678"], check=True, capture_output=True)
    lib = pkcs11.lib(MODULE)
    try:
        with lib.get_token(token_label="CPS3").open(rw=True, user_pin="1234") as session:
            session.generate_keypair(KeyType.RSA, 2048, store=True, label="CPS_PRIV_SIG")
    finally:
        lib.finalize()
    token = Pkcs11Token(MODULE, "CPS3", card_dir.softhsm_conf)
    signed = token.sign("1234", b"facture")
    assert signed is not None and signed.algorithm == RSA_PKCS1_SHA256
    signature = Signature("CPS3", CardKind.CPS, signed.algorithm, signed.value, signed.public_key)
    assert verify(signature, b"facture") and not verify(signature, b"facturE")
    assert token.sign("0000", b"facture") is None
    assert token.check_pin("1234") and not token.check_pin("0000")


def test_concurrent_wrong_pins_are_all_counted(card_dir: Path) -> None:
    first = VirtualCardReader(card_dir, MODULE)
    first.insert("cps-firmier")
    errors: list[int] = []

    def wrong() -> None:
        try:
            VirtualCardReader(card_dir, MODULE).verify_pin("2501000001", "0000")
        except WrongPinError as exc:
            errors.append(exc.remaining)

    threads = [threading.Thread(target=wrong) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(errors) == [1, 2]
    assert first.status().professional.pin_tries_left == 1  # type: ignore[union-attr]


def test_settings_defaults_and_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("FEUILLE_CARDS_DIR", "FEUILLE_PKCS11_MODULE", "FEUILLE_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.cards_dir.endswith("cartes") and settings.pkcs11_module == DEFAULT_PKCS11_MODULE
    db_folder = Path(settings.database_url.removeprefix("sqlite:///")).parent
    assert Path(settings.cards_dir).parent == db_folder
    monkeypatch.setenv("FEUILLE_CARDS_DIR", str(tmp_path))
    monkeypatch.setenv("FEUILLE_PKCS11_MODULE", " /opt/cryptolib/libcps3_pkcs11.so ")
    settings = Settings()
    assert settings.cards_dir == str(tmp_path) and settings.pkcs11_module == "/opt/cryptolib/libcps3_pkcs11.so"
