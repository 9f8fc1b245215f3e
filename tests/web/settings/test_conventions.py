"""The AMC conventions directory on the web: a CSV file imported (all or nothing, each refused line said), one
convention edited, disabled, enabled and deleted, the directory paged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from feuille.auth import GRANTS, Permission, Role
from feuille.practice import amc_conventions
from feuille.storage import Database
from tests.web import support
from tests.web.settings.helpers import admin, audit_count, beside, last_action, text

BASE = "/parametres/organismes/conventions"
AMC = "1100000000"
HEADER = ("id_signataire;libelle_signataire;convention_groupe;type_convention;critere_secondaire;type_accord;"
          "numero_amc;libelle_amc;desactivee;dre;pec_obligatoire\n")
GOOD = HEADER + f"{AMC};Zz1;;CM;T;;{AMC};MUT TEST CNDA;0;oui;oui\n{AMC};Zz1;;CM;;;{AMC};MUT TEST CNDA;0;non;non\n"


def _upload(signed: support.Signed, content: str, name: str = "conventions.csv", **kwargs: Any) -> Any:
    return signed.client.post(f"{BASE}/importer", data={"csrf": signed.csrf},
                              files={"fichier": (name, content.encode(), "text/csv")}, **kwargs)


def test_a_file_is_imported_and_its_report_shown(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    imported = _upload(signed, GOOD, name="../../annuaire 2025.csv", follow_redirects=False)
    assert imported.status_code == 303
    shown = text(signed.client.get(imported.headers["location"]).text)
    assert "Fichier importé : 2 convention(s) ajoutée(s), 0 mise(s) à jour, 0 inchangée(s)" in shown
    assert "2 convention(s)" in shown and "MUT TEST CNDA" in shown
    assert last_action(db) == "amc_convention.import"
    again = text(_upload(signed, GOOD.replace(";0;oui;oui", ";1;oui;oui")).text)
    assert "0 convention(s) ajoutée(s), 1 mise(s) à jour, 1 inchangée(s)" in again


def test_a_file_with_a_bad_line_imports_nothing_and_says_each_line(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    junk = GOOD + f"{AMC};;;CM;Y;;;;0;;\n{AMC};;;C M!;;;{AMC};;0;;\n{AMC};Zz1;;CM;T;;{AMC};;0;;\n"
    before = audit_count(db)
    refused = _upload(signed, junk)
    assert refused.status_code == 422
    shown = text(refused.text)
    assert "Fichier refusé, rien n'a été importé : 3 problème(s)." in shown
    assert "ligne 4 : N° AMC : champ obligatoire." in shown and "ligne 5 : Type de convention" in shown
    assert "ligne 6 : même convention que la ligne 2." in shown
    assert 'id="fichier-erreur"' in refused.text and 'aria-invalid="true"' in refused.text
    assert not beside(refused.text, "amc_number")    # the add form stays clean
    assert amc_conventions.list_conventions(admin(db)) == [] and audit_count(db) == before
    empty = _upload(signed, "")
    assert empty.status_code == 422
    missing = signed.post(f"{BASE}/importer", {})
    assert missing.status_code == 422 and "choisissez le fichier CSV" in text(missing.text)
    no_column = _upload(signed, "nom;prenom\nA;B\n")
    assert no_column.status_code == 422 and "introuvable dans l'en-tête" in text(no_column.text)


def test_a_convention_is_edited_disabled_enabled_and_deleted(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.TITULAIRE)
    one = amc_conventions.add_convention(admin(db), {"signatory_id": "ZZ1", "convention_type": "CM",
                                                     "amc_number": AMC, "amc_label": "MUT"})
    amc_conventions.add_convention(admin(db), {"signatory_id": "ZZ1", "convention_type": "CM",
                                               "secondary_criterion": "T", "amc_number": AMC})
    page = f"{BASE}/{one}"
    shown = signed.client.get(page).text
    assert "Modifier la convention" in shown and 'value="MUT"' in shown
    form = {"signatory_id": "ZZ1", "convention_type": "CM", "amc_number": AMC, "amc_label": "Mut. Test",
            "dre": "oui"}
    saved = signed.post(page, form, follow_redirects=False)
    assert saved.status_code == 303
    assert "Convention AMC modifiée." in signed.client.get(saved.headers["location"]).text
    view = amc_conventions.get_convention(admin(db), one)
    assert (view.amc_label, view.dre, view.pec_required) == ("Mut. Test", True, False)
    clash = signed.post(page, {**form, "secondary_criterion": "T", "signatory_label": "gardé"})
    assert clash.status_code == 409 and "déjà dans l'annuaire" in beside(clash.text, "convention_type")[0]
    assert 'value="gardé"' in clash.text   # what was typed stays
    junk = signed.post(page, {**form, "amc_number": "??", "convention_type": ""})
    assert junk.status_code == 422 and beside(junk.text, "amc_number") and beside(junk.text, "convention_type")
    assert "Convention AMC désactivée" in text(signed.post(f"{page}/desactiver").text)
    assert amc_conventions.get_convention(admin(db), one).disabled
    assert "Réactiver la convention" in signed.client.get(page).text
    assert "Convention AMC réactivée." in signed.post(f"{page}/activer").text
    asked = text(signed.client.get(f"{page}/supprimer").text)
    assert f"Supprimer la convention CM du signataire ZZ1 pour l'AMC {AMC} ?" in asked
    deleted = signed.post(f"{page}/supprimer", follow_redirects=False)
    assert deleted.status_code == 303 and last_action(db) == "amc_convention.delete"
    assert "Convention AMC supprimée." in signed.client.get(deleted.headers["location"]).text
    assert signed.client.get(page).status_code == 404


def test_a_large_directory_is_paged(app: FastAPI, db: Database, tmp_path: Path) -> None:
    rows = "".join(f"{AMC};Zz1;;C{index:03d};;;{AMC};MUT;0;non;non\n" for index in range(230))
    path = tmp_path / "conventions.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    amc_conventions.import_conventions(admin(db), path)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    first = text(signed.client.get(BASE).text)
    assert "230 convention(s), page 1 sur 3." in first and "Page suivante" in first and "C099" in first
    assert "C100" not in first
    last = text(signed.client.get(f"{BASE}?numero={AMC}&page=3").text)
    assert "page 3 sur 3" in last and "C229" in last and "Page précédente" in last and "C199" not in last
    bad = signed.client.get(f"{BASE}?page=0")
    assert bad.status_code == 422 and "Page" in text(bad.text)




def test_a_role_without_the_right_is_refused(app: FastAPI, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    one = amc_conventions.add_convention(admin(db), {"signatory_id": "ZZ1", "convention_type": "CM",
                                                     "amc_number": AMC})
    monkeypatch.setitem(GRANTS, Permission.ORGANISM_WRITE, {Role.ADMINISTRATEUR})
    before = audit_count(db)
    assert _upload(signed, GOOD).status_code == 403
    for action in ("", "/desactiver", "/supprimer"):
        assert signed.post(f"{BASE}/{one}{action}", {"convention_type": "XX"}).status_code == 403, action
    assert audit_count(db) == before + 4 and len(amc_conventions.list_conventions(admin(db))) == 1
