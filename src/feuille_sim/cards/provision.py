"""Write a card directory (``feuille.cards.card_files``) from the definitions in ``definitions/``.

For each CPS/CPE: a SoftHSM2 token (label = card serial, user PIN = the card's PIN, SO PIN = its unblocking
code) initialised with ``softhsm2-util`` (python-pkcs11 has no C_InitToken) and an EC P-256 key pair generated
inside the token with python-pkcs11, as a card's key is generated in its chip; the card file holds only public
data. For each Vitale card and app: a software EC P-256 key, kept in the card file (a real Vitale card is a chip
with its own key inside; the virtual card has no chip, so the key lives in the file). PINs and unblocking codes
are written nowhere but in the tokens.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from importlib import resources
from pathlib import Path
from typing import Any

import pkcs11
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from pkcs11 import Attribute, KeyType
from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

from feuille.cards.card_files import (
    FORMAT,
    HOLDER_FIELDS,
    CardDir,
    CardState,
    encode_apcv_payload,
    save_state,
    write_json_atomic,
)
from feuille.cards.pkcs11_signer import SIGNING_KEY_LABEL
from feuille.config import DEFAULT_PKCS11_MODULE

DEFINITIONS = "definitions"
SOFTHSM_CONF = ("directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
                "slots.removable = false\n")


class ProvisionError(Exception):
    pass


def definitions() -> dict[str, dict[str, Any]]:
    """The shipped virtual cards, by name (the file stem: ``cps-firmier``...)."""
    folder = resources.files("feuille_sim.cards") / DEFINITIONS
    out: dict[str, dict[str, Any]] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            out[entry.name[:-5]] = json.loads(entry.read_text(encoding="utf-8"))
    return out


def module_path() -> str:
    return os.environ.get("FEUILLE_PKCS11_MODULE", "").strip() or DEFAULT_PKCS11_MODULE


def write_softhsm_conf(card_dir: CardDir) -> None:
    card_dir.tokens.mkdir(parents=True, exist_ok=True)
    card_dir.softhsm_conf.write_text(SOFTHSM_CONF.format(tokens=card_dir.tokens.resolve()), encoding="utf-8")


def provision(root: Path | str, *, module: str | None = None, force: bool = False) -> list[str]:
    """Create the card directory ``root``; returns the names of the cards written.

    An existing directory is left alone (its cards keep their keys, PINs and counters) unless ``force``.
    """
    card_dir = CardDir(Path(root))
    if card_dir.names() and not force:
        return []
    module = module or module_path()
    if not Path(module).exists():
        raise ProvisionError(f"module PKCS#11 introuvable : {module} (apt-get install softhsm2)")
    util = shutil.which("softhsm2-util")
    if util is None:
        raise ProvisionError("softhsm2-util introuvable (apt-get install softhsm2)")
    for sub in (card_dir.cards, card_dir.state, card_dir.tokens):
        if sub.exists():
            shutil.rmtree(sub)
    card_dir.reader.unlink(missing_ok=True)
    write_softhsm_conf(card_dir)
    env = {**os.environ, "SOFTHSM2_CONF": str(card_dir.softhsm_conf)}
    written = []
    for name, spec in definitions().items():
        if spec["kind"] in ("cps", "cpe"):
            data = _professional_card(card_dir, spec, module, util, env)
            save_state(card_dir, name, CardState())
        else:
            data = _vitale_card(spec)
        write_json_atomic(card_dir.card_path(name), data)
        written.append(name)
    return written


def _professional_card(card_dir: CardDir, spec: dict[str, Any], module: str, util: str,
                       env: dict[str, str]) -> dict[str, Any]:
    serial, pin, puk = spec["serial"], spec["pin"], spec["puk"]
    subprocess.run([util, "--init-token", "--free", "--label", serial, "--pin", pin, "--so-pin", puk],
                   check=True, env=env, capture_output=True)
    public = _generate_in_token(card_dir, module, serial, pin)
    holder = {key: spec["holder"].get(key) for key in HOLDER_FIELDS if key in spec["holder"]}
    return {"format": FORMAT, "kind": spec["kind"], "serial": serial, "holder": holder, "token_label": serial,
            "public_key": base64.b64encode(public).decode("ascii"), "source": spec.get("source", "")}


def _generate_in_token(card_dir: CardDir, module: str, label: str, pin: str) -> bytes:
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(card_dir.softhsm_conf)
    try:
        lib = pkcs11.lib(module)
        try:
            token = lib.get_token(token_label=label)
            with token.open(rw=True, user_pin=pin) as session:
                params = session.create_domain_parameters(
                    KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")}, local=True)
                public, _private = params.generate_keypair(store=True, label=SIGNING_KEY_LABEL)
                return bytes(encode_ec_public_key(public))
        finally:
            lib.finalize()
    finally:
        if previous is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = previous


def _vitale_card(spec: dict[str, Any]) -> dict[str, Any]:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode("ascii")
    public = key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    content = {"serial": spec["serial"], "insured_nir": spec["insured_nir"], "beneficiaries": spec["beneficiaries"]}
    data: dict[str, Any] = {"format": FORMAT, "kind": spec["kind"], "serial": spec["serial"],
                            "public_key": base64.b64encode(public).decode("ascii"),
                            # The chip's key, here in the file: a virtual card has no chip to keep it in.
                            "private_key": pem, "source": spec.get("source", "")}
    if spec["kind"] == "apcv":
        data.update(reading=spec["reading"], payload=encode_apcv_payload(content))
    else:
        data.update(content)
    return data


def clone(source: Path | str, target: Path | str) -> Path:
    """Copy a provisioned card directory (tokens included) and point its SoftHSM configuration at the copy."""
    target_dir = CardDir(Path(target))
    shutil.copytree(Path(source), target_dir.root, dirs_exist_ok=False)
    write_softhsm_conf(target_dir)
    return target_dir.root
