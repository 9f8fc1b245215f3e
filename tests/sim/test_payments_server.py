"""The caisse de test pays over the real protocols: lots sent over SMTP to ``feuille-sim servir``, ``feuille-sim
avancer`` (a separate process, killed once mid-way), returns fetched over POP3 and read with the product's NOEMIE
reader, ``feuille-sim etat --json``."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from feuille.formats import b2_file as m
from feuille.formats.noemie_file import REJECTED
from tests.sim.lots_desk import PARTNER, next_stamp
from tests.support import lots as L
from tests.support.caisse import REPO, CaisseDeTest, start_caisse
from tests.support.noemie import NoemieMail, claimed, fetch_noemie, invoices

AMO = Decimal("21.00")
PLUGIN = {"FEUILLE_SIM_PLUGINS": "tests.sim.pay_plugin", "PYTHONPATH": str(REPO)}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[CaisseDeTest, dict[str, L.SoftCard]]]:
    cards = L.write_card_dir(tmp_path / "cartes")
    with start_caisse(tmp_path / "caisse", "--cartes", str(tmp_path / "cartes"), "--forme-noemie", "blocs") as caisse:
        yield caisse, cards


def send_lot(caisse: CaisseDeTest, cards: dict[str, L.SoftCard], lot: str, numbers: list[int]) -> None:
    # signed by the CPS alone (certification F): one Vitale card cannot sign for several insured persons
    invoices = [L.invoice(PARTNER, n, care=L.days_ago(2), cards=cards, serial=n, signers=("cps",)) for n in numbers]
    b2_text = m.write_b2(L.b2_file(PARTNER, [(lot, invoices)], certification="F"))
    mail = L.lot_mail(b2_text, Path(caisse.info["organismes"]) / "01996.pem", stamp=next_stamp(),
                      invoices=len(numbers))
    L.send(caisse.host, caisse.ports["smtp"], caisse.ssl_context(), mail.recipient, mail.raw)
    user, password = caisse.mailbox
    for _ in range(200):  # the hook answers while the SMTP session ends: wait for its ARL (not a timing assertion)
        arls = [a for a in L.fetch_arls(caisse.host, caisse.ports["pop3"], caisse.ssl_context(), user, password)
                if a.subject.stamp == mail.stamp]
        if arls:
            assert arls[0].arl.positive, arls[0].arl
            return
        time.sleep(0.05)
    pytest.fail("aucun ARL pour le lot envoyé")


def fetch(caisse: CaisseDeTest) -> list[NoemieMail]:
    user, password = caisse.mailbox
    return fetch_noemie(caisse.host, caisse.ports["pop3"], caisse.ssl_context(), user, password)


def status(caisse: CaisseDeTest) -> dict[str, object]:
    done = caisse.sim("etat", "--json")
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout)["organismes"]["01996"])


def test_lots_are_paid_on_advance_and_fetched_over_pop3(
        served: tuple[CaisseDeTest, dict[str, L.SoftCard]], tmp_path: Path) -> None:
    caisse, cards = served
    scenario = tmp_path / "scenario.toml"
    nir = "".join(L.nir(2))
    scenario.write_text(f'nom = "rejet"\n[[regles]]\nregle = "rejeter"\nnir = "{nir}"\nmotif = "droits fermés"\n',
                        encoding="utf-8")
    assert caisse.sim("scenario", str(scenario)).returncode == 0
    send_lot(caisse, cards, "001", [1, 2, 3])
    counts = status(caisse)
    assert (counts["factures_a_payer"], counts["montant_a_payer"], counts["noemie_en_attente"]) == (3, "63.00", 0)
    marker = tmp_path / "tuer"
    marker.touch()
    killed = caisse.sim("avancer", "--jours", "5", env=PLUGIN | {"FEUILLE_SIM_PAY_KILL": str(marker)})
    assert killed.returncode == -9 and not marker.exists()
    assert fetch(caisse) == [] and status(caisse)["factures_a_payer"] == 3
    done = caisse.sim("avancer", "--jours", "5", env=PLUGIN)
    assert done.returncode == 0 and "noemie : 2" in done.stdout, done.stdout
    mails = {mail.reference: mail for mail in fetch(caisse)}
    assert sorted(mails) == ["576", "900"] and all(mail.reading.blocked for mail in mails.values())
    payments, rejects = mails["576"].file, mails["900"].file
    assert payments.total == claimed(payments) + claimed(rejects) - AMO == 2 * AMO
    assert [(i.number, i.amo.status if i.amo else None) for i in invoices(rejects)] == [("000000002", REJECTED)]
    counts = status(caisse)
    assert (counts["paye"], counts["montant_rejete"], counts["factures_payees"], counts["factures_rejetees"],
            counts["factures_a_payer"], counts["noemie_en_attente"], counts["noemie_envoyes"]) == (
        "42.00", "21.00", 2, 1, 0, 2, 2)
    assert (counts["lots_recus"], counts["lots_acceptes"], counts["lots_refuses"]) == (1, 1, 0)
    again = caisse.sim("avancer", "--jours", "30")
    assert again.returncode == 0 and len(fetch(caisse)) == 2
    shown = caisse.sim("etat").stdout
    assert "paiements : 2 retour(s) NOEMIE en attente" in shown and "lots : 1 reçu(s), 1 accepté(s)" in shown
