"""State, clock, scenarios, status and restart of the caisse de test."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import smtplib
import socket
from datetime import date, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feuille_sim import clock
from feuille_sim.pki import Pki
from feuille_sim.scenario import KINDS, ScenarioError, parse
from feuille_sim.state import OutgoingMail, State, Tx
from tests.support.caisse import REPO, run_sim, start_caisse

PLUGIN_ENV = {"FEUILLE_SIM_PLUGINS": "tests.sim.plugin", "PYTHONPATH": str(REPO)}


def test_restart_keeps_the_state_and_a_second_server_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "caisse"
    with start_caisse(folder) as first:
        password = first.mailbox[1]
        with State(folder).transaction() as tx:
            tx.add_outgoing(OutgoingMail("cabinet", "k1", b"Subject: x\r\n\r\ncorps\r\n", "arl", "01422"))
        second = run_sim("serve", "--dir", str(folder))
        assert second.returncode == 4 and "tourne déjà" in second.stderr
        assert json.loads((folder / "ports.json").read_text())["pid"] == first.process.pid
    assert "pid" not in json.loads((folder / "ports.json").read_text())
    ca = (folder / "pki" / "ca.pem").read_bytes()
    with start_caisse(folder) as again:
        assert again.mailbox[1] == password
        assert (folder / "pki" / "ca.pem").read_bytes() == ca
        status = json.loads(again.sim("status", "--json").stdout)
        assert status["en_marche"] and status["organismes"]["01422"]["retours_en_attente"] == 1
    status = json.loads(run_sim("status", "--dir", str(folder), "--json").stdout)
    assert not status["en_marche"] and status["pid"] is None


def test_status_text_and_json_on_a_fresh_folder(tmp_path: Path) -> None:
    text = run_sim("etat", "--dir", str(tmp_path / "c"))
    assert text.returncode == 0 and "arrêtée" in text.stdout and "Aucun courriel" in text.stdout
    data = json.loads(run_sim("status", "--dir", str(tmp_path / "c"), "--json").stdout)
    assert data["panne"] == {"mode": "aucune", "secondes": 0.0} and data["scenario"] is None
    assert set(data) >= {"date", "organismes", "boites", "en_marche", "regles"}


def test_status_refuses_a_folder_that_is_not_a_caisse(tmp_path: Path) -> None:
    (tmp_path / "caisse.db").write_bytes(b"pas une base" * 100)
    result = run_sim("status", "--dir", str(tmp_path))
    assert result.returncode == 1 and "ne contient pas" in result.stderr and "Traceback" not in result.stderr


def one_mail_per_day(tx: Tx, from_date: date, to_date: date) -> list[OutgoingMail]:
    days = [date.fromordinal(n) for n in range(from_date.toordinal() + 1, to_date.toordinal() + 1)]
    return [OutgoingMail("cabinet", f"jour-{day}", f"Subject: {day}\r\n\r\n.\r\n".encode()) for day in days]


def test_advance_is_idempotent_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "_PRODUCERS", {})
    clock.producer("essai")(one_mail_per_day)
    state = State(tmp_path)
    start = state.today()
    done = clock.advance(state, 3)
    assert done.produced == {"essai": 3} and state.today() == start + timedelta(days=3)
    assert clock.advance(state, 0).produced == {"essai": 0}
    with state.transaction() as tx:   # the clock put back: the same days produce nothing new
        tx.set_today(start)
    assert clock.advance(state, 3).produced == {"essai": 0}
    assert len(state.mailbox_content("cabinet")) == 3


def test_a_failing_producer_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(tx: Tx, from_date: date, to_date: date) -> list[OutgoingMail]:
        raise RuntimeError("producteur en panne")

    monkeypatch.setattr(clock, "_PRODUCERS", {})
    clock.producer("a")(one_mail_per_day)
    clock.producer("b")(broken)
    state = State(tmp_path)
    start = state.today()
    with pytest.raises(RuntimeError):
        clock.advance(state, 2)
    assert state.today() == start and state.mailbox_content("cabinet") == []


def test_a_kill_during_advance_loses_nothing_and_repeats_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "caisse"
    marker = tmp_path / "tuer"
    marker.touch()
    env = {**PLUGIN_ENV, "FEUILLE_SIM_KILL_MARKER": str(marker)}
    start = State(folder).today()
    killed = run_sim("advance", "--dir", str(folder), "--days", "2", env=env)
    assert killed.returncode == -signal.SIGKILL and not marker.exists()
    assert State(folder).today() == start and State(folder).mailbox_content("cabinet") == []
    for command, option in (("avancer", "--jours"), ("advance", "--days")):   # the French name and the issue's
        done = run_sim(command, "--dir", str(folder), option, "2", env=env)
        assert done.returncode == 0, done.stderr
    assert State(folder).today() == start + timedelta(days=4)
    subjects = sorted(m.raw.split(b"\n")[0] for m in State(folder).mailbox_content("cabinet"))
    days = [(start + timedelta(days=n)).isoformat() for n in range(1, 5)]
    assert subjects == sorted(f"Subject: jour {d}".encode() for d in days)


def test_advance_refuses_junk_days(tmp_path: Path) -> None:
    for junk in ("-1", "x", "99999", ""):
        result = run_sim("advance", "--dir", str(tmp_path), "--days", junk)
        assert result.returncode == 2 and "Traceback" not in result.stderr and result.stderr


GOOD = {"nom": "rejets et pannes", "regles": [
    {"regle": "rejeter", "nir": "1 85 05 78 006 084 91", "motif": "droits fermés"},
    {"regle": "payer_partiel", "lot": 3, "taux": 90},
    {"regle": "perdre_arl", "lot": 2},
    {"regle": "doubler_retour"},
    {"regle": "panne_adri", "mode": "lent", "secondes": 2},
]}


def test_scenario_json_and_toml_are_loaded_as_data(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(GOOD), encoding="utf-8")
    result = run_sim("scenario", "--dir", str(tmp_path / "c"), str(path))
    assert result.returncode == 0 and "5 règle(s)" in result.stdout
    state = State(tmp_path / "c")
    with state.transaction() as tx:
        assert tx.rules("payer_partiel") == [{"regle": "payer_partiel", "lot": 3, "taux": 90}]
        assert tx.rules("rejeter")[0]["nir"] == "185057800608491"
    assert state.fault() == ("lent", 2.0)
    toml = tmp_path / "s.toml"
    toml.write_text('nom = "autre"\n[[regles]]\nregle = "perdre_arl"\n', encoding="utf-8")
    assert run_sim("scenario", "--dir", str(tmp_path / "c"), str(toml)).returncode == 0
    with state.transaction() as tx:
        assert tx.rules() == [{"regle": "perdre_arl", "lot": None}]


@pytest.mark.parametrize(("document", "expected"), [
    ({"nom": "x", "regles": [{"regle": "payer_partiel", "lot": 3, "taux": 190}]},
     "règle 1, champ « taux » : trop grand"),
    ({"nom": "x", "regles": [{"regle": "voler"}]}, "règle 1 : règle inconnue"),
    ({"nom": "x", "regles": [{"lot": 1}]}, "champ « regle » absent"),
    ({"nom": "x", "regles": [{"regle": "rejeter", "nir": "123", "motif": "m"}]}, "règle 1, champ « nir » : NIR"),
    ({"regles": []}, "champ « nom » : champ obligatoire absent"),
    ({"nom": "x", "regles": [], "autre": 1}, "champ « autre » : champ inconnu"),
    ([], "scénario : objet attendu"),
])
def test_scenario_refusals_name_the_rule(document: object, expected: str) -> None:
    with pytest.raises(ScenarioError, match=expected):
        parse(json.dumps(document), ".json")


JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                       lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
                           st.sampled_from(["nom", "regles", "regle", "lot", "taux", "nir", "motif", "mode", "x"]),
                           inner, max_size=5), max_leaves=20)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(document=JSONISH, kind=st.sampled_from(KINDS))
def test_junk_scenarios_always_get_a_french_refusal(document: object, kind: str) -> None:
    shaped = {"nom": "junk", "regles": [{"regle": kind, **document} if isinstance(document, dict) else document]}
    for candidate in (document, shaped):
        try:
            parse(json.dumps(candidate), ".json")
        except ScenarioError as exc:
            assert str(exc).startswith(("Scénario refusé", "Le fichier"))


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200), suffix=st.sampled_from([".json", ".toml", ""]))
def test_junk_text_never_raises_anything_else(text: str, suffix: str) -> None:
    with contextlib.suppress(ScenarioError):
        parse(text, suffix)


def test_scenario_command_refuses_junk_files(tmp_path: Path) -> None:
    for name, content in (("a.json", b"\xff\xfe\x00"), ("b.json", b"{"), ("c.toml", b"nom = "), ("d.json", b"[]")):
        path = tmp_path / name
        path.write_bytes(content)
        result = run_sim("scenario", "--dir", str(tmp_path / "c"), str(path))
        assert result.returncode == 2 and result.stderr.startswith("Erreur : ") and "Traceback" not in result.stderr
    missing = run_sim("scenario", "--dir", str(tmp_path / "c"), str(tmp_path / "absent.json"))
    assert missing.returncode == 2 and "Impossible de lire" in missing.stderr


def test_pki_certificates_chain_and_smime_round_trip(tmp_path: Path) -> None:
    pki = Pki(tmp_path)
    pki.ensure()
    ca = x509.load_pem_x509_certificate(pki.ca_file.read_bytes())
    server = x509.load_pem_x509_certificate(pki.server_file.read_bytes())
    server.verify_directly_issued_by(ca)
    cert_path = pki.organism_certificate("01996")
    assert cert_path == pki.organisms_dir / "01996.pem"
    assert oct(os.stat(pki.keys_dir / "01996.pem").st_mode)[-3:] == "600"
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    cert.verify_directly_issued_by(ca)
    assert pki.organism_certificate("01996") == cert_path and cert_path.read_bytes() == cert.public_bytes(Encoding.PEM)
    sealed = pkcs7.PKCS7EnvelopeBuilder().set_data(b"fichier B2").add_recipient(cert).encrypt(Encoding.DER, [])
    assert pkcs7.pkcs7_decrypt_der(sealed, cert, pki.organism_key("01996"), []) == b"fichier B2"
    for junk in ("", "1422", "0142a", "014220", "../x"):
        with pytest.raises(ValueError, match="5 chiffres"):
            pki.organism_certificate(junk)
    assert run_sim("certificat", "--dir", str(tmp_path), "01422").stdout.strip() == str(pki.organisms_dir / "01422.pem")
    assert run_sim("certificat", "--dir", str(tmp_path), "x").returncode == 2


def test_the_clock_starts_today(tmp_path: Path) -> None:
    assert abs((State(tmp_path).today() - date.today()).days) <= 1


def test_demarrer_is_idempotent_and_arreter_stops_it(tmp_path: Path) -> None:
    env = {"FEUILLE_SIM_DIR": str(tmp_path / "caisse-de-test")}
    pid = None
    try:
        first = run_sim("demarrer", env=env)
        assert first.returncode == 0 and "démarrée dans" in first.stdout, first.stderr
        pid = json.loads((tmp_path / "caisse-de-test" / "ports.json").read_text())["pid"]
        again = run_sim("demarrer", env=env)
        assert again.returncode == 0 and "déjà en marche" in again.stdout and f"processus {pid}" in again.stdout
        stopped = run_sim("arreter", env=env)
        assert stopped.returncode == 0 and f"processus {pid}" in stopped.stdout
        pid = None
        assert "Aucune caisse" in run_sim("arreter", env=env).stdout
    finally:
        if pid is not None:
            os.kill(pid, signal.SIGTERM)


def test_mail_hooks_run_once_and_a_failed_one_is_run_again_at_start(tmp_path: Path) -> None:
    folder = tmp_path / "caisse"
    marker = tmp_path / "hook-en-panne"
    env = {**PLUGIN_ENV, "FEUILLE_SIM_HOOK_FAILS": str(marker)}
    with start_caisse(folder, env=env) as caisse:
        with smtplib.SMTP(caisse.host, caisse.ports["smtp"], timeout=30) as smtp:
            smtp.starttls(context=caisse.ssl_context())
            smtp.sendmail("cabinet@example.test", ["01422@422.01.rss.fr"], b"Subject: lot 1\r\n\r\nB2\r\n")
            marker.touch()
            smtp.sendmail("cabinet@example.test", ["01422@422.01.rss.fr"], b"Subject: lot 2\r\n\r\nB2\r\n")
        counts = json.loads(caisse.sim("etat", "--json").stdout)["organismes"]["01422"]
        assert counts["courriels_recus"] == 2 and counts["non_traites"] == 1 and counts["arl_envoyes"] == 1
    marker.unlink()
    with start_caisse(folder, env=env) as caisse:
        counts = json.loads(caisse.sim("etat", "--json").stdout)["organismes"]["01422"]
        assert counts["non_traites"] == 0 and counts["arl_envoyes"] == 2
        with State(folder).transaction() as tx:
            assert [r[0] for r in tx.execute("SELECT etat FROM courriels_recus ORDER BY id")] == ["vu", "vu"]
        errors = [e for e in State(folder).journal(200) if e["resultat"].startswith("erreur")]
        assert len(errors) == 1 and "panne du contrôle de lot" in errors[0]["resultat"]


def test_a_busy_port_is_refused_in_french(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = run_sim("servir", "--dir", str(tmp_path / "c"), "--port-smtp", str(port))
    assert result.returncode == 1 and "ne peut pas démarrer" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "c" / "ports.json").exists()
