"""``feuille ccam``: import with a French summary, search in three modes, show, version; errors and exit codes."""

from __future__ import annotations

import json
from pathlib import Path


def flat(text: str) -> str:
    """Rich wraps long lines at the terminal width: compare words, not line breaks."""
    return " ".join(text.split())


def test_import_sample_and_consult(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("ccam", "version")
    assert result.exit_code == 3 and "Aucune table CCAM importée" in flat(result.stderr)
    result = cli("ccam", "import", "--echantillon")
    assert result.exit_code == 0, result.stderr
    assert "Table CCAM version 67" in flat(result.stdout) and "53 actes" in flat(result.stdout)
    result = cli("ccam", "version", "--json")
    assert json.loads(result.stdout)["version"] == "67"
    assert "applicable au 26/04/2021" in flat(cli("ccam", "version").stdout)

    result = cli("ccam", "search", "AFL", "--json")
    codes = [act["code"] for act in json.loads(result.stdout)]
    assert codes[:3] == ["AFLA003", "AFLB001", "AFLB003"]
    assert "AFLB001" in cli("ccam", "search", "afl", "--mode", "code").stdout

    result = cli("ccam", "search", "Péri", "--mode", "motcle", "--json")
    data = json.loads(result.stdout)
    assert "péridurale" in data["mots_cles"] and data["actes"] == []
    result = cli("ccam", "search", "péridurale", "--mode", "motcle")
    assert "Actes du mot-clé « péridurale »" in flat(result.stdout) and "AGLB001" in result.stdout

    result = cli("ccam", "search", "injection péridurale sang", "--json")
    assert [act["code"] for act in json.loads(result.stdout)] == ["AFLB001"]
    assert "Aucun acte CCAM trouvé" in flat(cli("ccam", "search", "xylophone").stdout)

    result = cli("ccam", "show", "AFLB001", "--json")
    act = json.loads(result.stdout)
    assert act["prices"][0]["sector1"] == "50.56" and act["modifiers"] == ["F", "P", "S", "U"]
    result = cli("ccam", "show", "bdla003")
    assert result.exit_code == 0 and "4° anesthésiste" in result.stdout and "296,36 €" in result.stdout


def test_errors_in_french_with_their_exit_codes(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("ccam", "import").exit_code == 2
    result = cli("ccam", "import", str(tmp_path / "absent.csv"))
    assert result.exit_code == 2 and "introuvable" in flat(result.stderr)
    junk = tmp_path / "junk.csv"
    junk.write_text("nom;prénom\nDupont;Marie\n", encoding="utf-8")
    result = cli("ccam", "import", str(junk))
    assert result.exit_code == 2 and "n'est pas importable" in flat(result.stderr) and "ligne 1" in flat(result.stderr)
    assert cli("ccam", "import", "--echantillon", "--date", "31/02/2026").exit_code == 2
    assert cli("ccam", "import", "--echantillon", "--format", "xml").exit_code == 2
    assert cli("ccam", "import", "--echantillon", "--date", "01/02/2025", "--version", "67b").exit_code == 0
    assert "applicable au 01/02/2025" in flat(cli("ccam", "version").stdout)
    assert cli("ccam", "show", "XXXX999").exit_code == 3
    assert cli("ccam", "search", "", "--mode", "mots").exit_code == 2
    assert cli("ccam", "search", "AFL", "--mode", "autre").exit_code == 2
    assert cli("user", "add", "sec", "--role", "secretaire").exit_code == 0
    result = cli("ccam", "import", "--echantillon", user="sec")
    assert result.exit_code == 5 and "importer une nomenclature" in flat(result.stderr)
    assert cli("ccam", "search", "AFL", user="sec").exit_code == 0
