"""The card agent through the reader's API: start, sign for other processes, end; where its socket lives."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import tempfile
from pathlib import Path

import pytest
from pydantic import ValidationError as SettingsError

from feuille.cards import agent_client
from feuille.cards.messages import french_error
from feuille.cards.port import CardDeviceError, NoCardError, PinNotVerifiedError, WrongPinError
from feuille.cards.signatures import verify
from feuille.cards.virtual import VirtualCardReader
from feuille.cli.cards import duration
from feuille.config import Settings
from tests.conftest import MODULE

MEDECIN, PIN = "2501000002", "1234"


def session(reader: VirtualCardReader) -> agent_client.AgentInfo:
    card, _ = reader.insert("cps-medecin")
    reader.verify_pin(card.serial, PIN)
    return reader.start_session(card.serial)


def test_another_process_signs_through_the_agent(reader: VirtualCardReader, card_dir: Path) -> None:
    info = session(reader)
    other = VirtualCardReader(card_dir, MODULE)   # as a later command would
    current = other.status()
    assert current.pin_verified and current.session is not None and current.session.pid == info.pid
    signature = other.sign(MEDECIN, b"facture")
    assert verify(signature, b"facture") and signature.card_serial == MEDECIN
    assert signature.public_key == other.card("cps-medecin").public_key  # the card's own key, in its token
    assert other.end_session() and info.process is not None and info.process.wait(5) == 0
    with pytest.raises(PinNotVerifiedError):
        other.sign(MEDECIN, b"facture")
    assert not other.end_session()   # nothing left to stop


def test_a_session_needs_a_pin_verified_for_this_insertion(reader: VirtualCardReader, card_dir: Path) -> None:
    reader.insert("cps-medecin")
    with pytest.raises(PinNotVerifiedError):
        reader.start_session(MEDECIN)
    reader.verify_pin(MEDECIN, PIN)
    VirtualCardReader(card_dir, MODULE).insert("cps-medecin")   # a new insertion, by another process
    with pytest.raises(PinNotVerifiedError):
        reader.start_session(MEDECIN)


def test_the_agent_checks_the_insertion_and_the_pin_itself(reader: VirtualCardReader, card_dir: Path) -> None:
    reader.insert("cps-medecin")
    with pytest.raises(NoCardError):   # an insertion that is over: nothing to log in to
        agent_client.start(card_dir, MODULE, MEDECIN, "0" * 32, PIN, 5)
    current = reader.current_insertion(MEDECIN)
    assert current is not None
    with pytest.raises(WrongPinError) as caught:   # it logs in itself: a wrong PIN costs a try there too
        agent_client.start(card_dir, MODULE, MEDECIN, current, "0000", 5)
    assert caught.value.remaining == 2
    assert not agent_client.socket_path(card_dir).exists()


def test_sigterm_and_a_newer_agent_end_it(reader: VirtualCardReader) -> None:
    first = session(reader)
    os.kill(first.pid, signal.SIGTERM)
    assert first.process is not None and first.process.wait(5) == 0 and not first.socket.exists()
    second = session(reader)
    insertion = reader.current_insertion(MEDECIN)
    assert insertion is not None
    third = agent_client.start(reader.dir.root, MODULE, MEDECIN, insertion, PIN, 5)  # takes the socket's path
    assert second.process is not None and second.process.wait(5) == 0
    alive = agent_client.status(third.socket)
    assert alive is not None and alive.pid == third.pid
    assert reader.end_session() and third.process is not None and third.process.wait(5) == 0


def test_a_card_directory_with_a_long_path_uses_the_runtime_folder(provisioned_cards: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from feuille_sim.cards import clone

    deep = clone(provisioned_cards, tmp_path / ("dossier-des-cartes-" * 5) / "cartes")
    runtime = Path(tempfile.mkdtemp(prefix="rt"))   # short, as /run/user/UID
    try:
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
        path = agent_client.socket_path(deep)
        assert path.parent == runtime / "feuille-cartes" and path == agent_client.socket_path(deep / ".")
        reader = VirtualCardReader(deep, MODULE)
        info = session(reader)
        assert info.socket == path and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert VirtualCardReader(deep, MODULE).status().pin_verified
        reader.remove()
        assert info.process is not None and info.process.wait(5) == 0 and not path.exists()
    finally:
        shutil.rmtree(runtime)
    for elsewhere in (str(tmp_path / ("long" * 20)), None):   # too long itself, or unset: the temporary folder
        monkeypatch.setenv("XDG_RUNTIME_DIR", elsewhere) if elsewhere else monkeypatch.delenv("XDG_RUNTIME_DIR")
        assert agent_client.socket_path(deep).parent == Path(tempfile.gettempdir()) / f"feuille-{os.getuid()}-cartes"


def test_a_folder_that_is_not_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "agent").write_text("")
    with pytest.raises(CardDeviceError):
        agent_client.private_dir(tmp_path / "agent")


def test_messages_settings_and_durations(monkeypatch: pytest.MonkeyPatch) -> None:
    message = french_error(PinNotVerifiedError("x")).message
    assert "réinsérez la carte avec --pin ou ajoutez --pin" in message
    monkeypatch.setenv("FEUILLE_CARD_SESSION_MINUTES", "0")
    with pytest.raises(SettingsError):
        Settings()
    monkeypatch.setenv("FEUILLE_CARD_SESSION_MINUTES", "90")
    assert Settings().card_session_minutes == 90
    monkeypatch.delenv("FEUILLE_CARD_SESSION_MINUTES")
    assert Settings().card_session_minutes == 600
    assert [duration(s) for s in (2.4, 59, 60, 2700, 5400, 36000)] == [
        "2 s", "59 s", "1 min", "45 min", "1 h 30 min", "10 h"]


def test_an_agent_ending_on_its_own_is_not_killed_and_one_that_hangs_is() -> None:
    """« stop » met no answer: an agent already ending (its card was pulled out) is let end cleanly, exit 0;
    one that holds on gets SIGTERM once the stop timeout has passed."""
    import subprocess
    import sys

    ending = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.5)"])
    agent_client._end(ending.pid)
    assert ending.wait(5) == 0
    hanging = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    agent_client._end(hanging.pid)
    assert hanging.wait(5) == -signal.SIGTERM
