"""End to end through the CLI, with the virtual cards: the PIN given to ``card insert --pin`` signs the later
commands through the card agent, until the card is removed, replaced, the agent dies or stays unused too long;
credit notes signed by the CPS; the patient must be on the Vitale card presented."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from feuille.auth import Context, actor_for
from feuille.cards import agent_client
from feuille.config import get_settings
from feuille.practice import patients
from feuille.storage import Database
from tests.billing.support import consultation
from tests.conftest import fixed_clock

FIX = "réinsérez la carte avec --pin ou ajoutez --pin"
ESSAI_NIR = "1421962965165 96"


@pytest.fixture
def desk(card_cli) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """``card_cli`` with the invoice commands reading the same card directory (settings read afresh)."""
    get_settings.cache_clear()
    yield card_cli
    get_settings.cache_clear()


def ok(result: Any) -> Any:
    assert result.exit_code == 0, result.stdout + result.stderr
    return result


def set_up(desk: Any) -> None:
    """The GP registered from her CPS (the PIN opens the card's session) and ESSAI Alain from his Vitale card."""
    ok(desk("card", "insert", "vitale-essai", "--beneficiaire", "1", "--oui"))
    inserted = ok(desk("card", "insert", "cps-medecin", "--pin", "1234", "--oui"))
    assert "Session de la carte ouverte" in inserted.stdout and "10 h" in inserted.stdout


def priced_invoice(desk: Any, **changes: Any) -> str:
    created = ok(desk("invoice", "create", "-", input=json.dumps(consultation(**changes))))
    ref = str(json.loads(created.stdout)["id"])
    ok(desk("invoice", "check", ref))
    return ref


def status(desk: Any) -> dict[str, Any]:
    return json.loads(ok(desk("card", "status", "--json")).stdout)["carte_professionnelle"]


def test_the_pin_given_at_insertion_signs_later_commands(desk, card_agents, card_dir: Path) -> None:  # type: ignore[no-untyped-def]
    before = sorted(p.relative_to(card_dir) for p in card_dir.rglob("*"))
    set_up(desk)
    [agent] = card_agents
    after = sorted(p.relative_to(card_dir) for p in card_dir.rglob("*"))
    assert set(after) - set(before) <= {Path("agent"), Path("agent/cps.sock"), Path("reader.json"), Path(".lock"),
                                        Path("state"), Path("state/cps-medecin.json")}  # the PIN is on no disk
    assert oct(agent.socket.stat().st_mode & 0o777) == "0o600"
    assert oct(agent.socket.parent.stat().st_mode & 0o777) == "0o700"
    assert "1234" not in Path(f"/proc/{agent.pid}/cmdline").read_bytes().split(b"\0")
    assert status(desk)["code_porteur_verifie"] is True and status(desk)["session"]["pid"] == agent.pid
    assert "vérifié (session ouverte" in ok(desk("card", "status")).stdout

    first = priced_invoice(desk)
    secured = ok(desk("invoice", "secure", first, "--mode", "synchronise", "--json"))
    assert json.loads(secured.stdout)["state"] == "secured"
    assert "2 signature(s) valide(s)" in ok(desk("invoice", "verify", first)).stdout  # the CPS, the Vitale card

    ok(desk("card", "remove", "cps"))
    assert agent.process is not None and agent.process.wait(5) == 0 and not agent.socket.exists()
    ok(desk("card", "insert", "cps-medecin"))  # again, without the PIN
    assert status(desk)["code_porteur_verifie"] is False
    second = priced_invoice(desk)
    refused = desk("invoice", "secure", second, "--mode", "synchronise")
    assert refused.exit_code == 6 and FIX in refused.stderr and "non vérifié" in refused.stderr
    ok(desk("invoice", "secure", second, "--mode", "synchronise", "--pin", "1234"))  # --pin still works
    refused = desk("invoice", "cancel", first, "--oui")
    assert refused.exit_code == 6 and FIX in refused.stderr

    ok(desk("card", "insert", "cps-medecin", "--pin", "1234"))
    credit = json.loads(ok(desk("invoice", "cancel", first, "--oui", "--json")).stdout)
    assert credit["credit_of"] == int(first) and credit["totals"]["total"] == "-23.00"
    assert "1 signature(s) valide(s)" in ok(desk("invoice", "verify", str(credit["id"]))).stdout


def test_a_killed_agent_fails_cleanly(desk, card_agents) -> None:  # type: ignore[no-untyped-def]
    set_up(desk)
    [agent] = card_agents
    ref = priced_invoice(desk)
    os.kill(agent.pid, signal.SIGKILL)
    assert agent.process is not None and agent.process.wait(5) == -signal.SIGKILL
    assert agent.socket.exists()  # left behind by the dead agent
    refused = desk("invoice", "secure", ref, "--mode", "synchronise")
    assert refused.exit_code == 6 and FIX in refused.stderr
    assert not agent.socket.exists()  # cleaned up by the first process that found it dead
    assert status(desk)["code_porteur_verifie"] is False
    assert "non vérifié (réinsérez la carte avec --pin)" in ok(desk("card", "status")).stdout


def test_the_session_ends_after_the_idle_time(desk, card_agents, session_minutes) -> None:  # type: ignore[no-untyped-def]
    session_minutes(0.1)   # 6 seconds: room for a loaded machine between the PIN and the signature
    ok(desk("card", "insert", "vitale-essai", "--beneficiaire", "1", "--oui"))
    ok(desk("card", "insert", "cps-medecin", "--pin", "1234", "--oui"))  # registers the GP from her card
    first, second = priced_invoice(desk), priced_invoice(desk)  # priced before the idle time starts again
    inserted = ok(desk("card", "insert", "cps-medecin", "--pin", "1234", "--oui"))
    assert "après 6 s sans signature" in inserted.stdout
    agent = card_agents[-1]
    ok(desk("invoice", "secure", first, "--mode", "synchronise"))  # a signature: the idle time starts again
    assert agent.process is not None and agent.process.wait(30) == 0
    assert not agent.socket.exists()
    refused = desk("invoice", "secure", second, "--mode", "synchronise")
    assert refused.exit_code == 6 and FIX in refused.stderr


def test_another_card_a_wrong_pin_or_an_unblocking_ends_the_session(desk, card_agents) -> None:  # type: ignore[no-untyped-def]
    set_up(desk)
    ok(desk("card", "insert", "vitale-desmaux"))   # the Vitale slot: the session goes on
    assert status(desk)["code_porteur_verifie"] is True
    ok(desk("card", "insert", "cpe-secretaire"))   # the professional slot: it ends
    assert card_agents[0].process is not None and card_agents[0].process.wait(5) == 0

    ok(desk("card", "insert", "cps-medecin", "--pin", "1234"))
    ref = priced_invoice(desk)
    wrong = desk("invoice", "secure", ref, "--mode", "degrade", "--pin", "0000")
    assert wrong.exit_code == 2 and "2 essais restants" in wrong.stderr
    assert card_agents[1].process is not None and card_agents[1].process.wait(5) == 0  # as a real card
    assert status(desk)["code_porteur_verifie"] is False

    ok(desk("card", "insert", "cps-medecin", "--pin", "1234"))
    ok(desk("card", "unblock", "cps-medecin", "--puk", "12345678", "--nouveau-pin", "4321"))
    assert card_agents[2].process is not None and card_agents[2].process.wait(5) == 0  # its PIN changed
    ok(desk("invoice", "secure", ref, "--mode", "degrade", "--pin", "4321"))


def test_the_patient_must_be_on_the_vitale_card_presented(desk, db_url: str) -> None:  # type: ignore[no-untyped-def]
    set_up(desk)   # ESSAI Alain recorded from the card
    recorded = ok(desk("card", "insert", "vitale-essai", "--beneficiaire", "2", "--oui")).stdout
    found = re.search(r"Patient ESSAI Alexis enregistré \(n° (\d+)\)", recorded)
    assert found is not None
    alexis = int(found.group(1))
    db = Database(db_url)
    try:
        ctx = Context(db=db, actor=actor_for(db, "admin"), clock=fixed_clock)
        albert = patients.create_patient(ctx, {"last_name": "ESSAI", "first_name": "Albert",
                                               "birth_date": "05/05/2005", "insured_nir": ESSAI_NIR}).id
    finally:
        db.dispose()
    for mode in ("synchronise", "desynchronise"):
        refused = desk("invoice", "secure", priced_invoice(desk, patient={"id": albert}), "--mode", mode)
        assert refused.exit_code == 2
        assert ("ESSAI Albert, né(e) le 05/05/2005 (rang 1) n'est pas parmi les bénéficiaires de la carte "
                "présentée (ESSAI Alain, ESSAI Alexis, ESSAI Arthur)") in " ".join(refused.stderr.split())
    ok(desk("invoice", "secure", priced_invoice(desk, patient={"id": alexis}), "--mode", "synchronise"))
    ok(desk("invoice", "secure", priced_invoice(desk, patient={"id": albert}), "--mode", "degrade"))


def test_agent_protocol_refusals(desk, card_agents, card_dir: Path) -> None:  # type: ignore[no-untyped-def]
    set_up(desk)
    [agent] = card_agents
    alive = agent_client.status(agent.socket)
    assert alive is not None and alive.serial == "2501000002"
    other = agent_client.exchange(agent.socket, {"op": "sign", "serial": alive.serial, "insertion": "autre",
                                                 "data": "aGVsbG8="})
    assert other == {"ok": False, "error": "pin_not_verified"}
    assert agent_client.exchange(agent.socket, {"op": "bof"})["error"] == "device"  # type: ignore[index]
    assert agent_client.sign(agent.socket, alive.serial, alive.insertion, b"hello") is not None
    reader = json.loads((card_dir / "reader.json").read_text())
    reader["professional"]["insertion"] = "0" * 32   # a process that did not stop it changed the insertion
    (card_dir / "reader.json").write_text(json.dumps(reader))
    assert agent.process is not None and agent.process.wait(5) == 0
    deadline = time.monotonic() + 5
    while agent.socket.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not agent.socket.exists()


def test_the_portable_reader_and_the_final_signature_use_the_session(desk) -> None:  # type: ignore[no-untyped-def]
    set_up(desk)
    ref = priced_invoice(desk)
    ok(desk("lecteur", "charger", ref))
    ok(desk("card", "insert", "cpe-secretaire", "--pin", "1234"))   # at the patient's: the CPE's session
    signed = ok(desk("lecteur", "signer", ref))
    assert "signées : 1" in signed.stdout
    ok(desk("lecteur", "decharger"))
    ok(desk("card", "insert", "cps-medecin", "--pin", "1234"))      # back at the desk
    final = json.loads(ok(desk("invoice", "finalise", ref, "--json")).stdout)
    assert final["state"] == "secured"
    assert "3 signature(s) valide(s)" in ok(desk("invoice", "verify", ref)).stdout  # CPE, Vitale card, CPS
