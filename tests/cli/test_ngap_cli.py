"""``feuille ngap search`` and ``feuille ngap show`` through the command line (no database needed)."""

from __future__ import annotations

import json

from tests.support.cli import Cli

# The ngap commands read only the shipped tables: the database URL is never opened.
cli = Cli("sqlite:///inutilisee-par-ngap.db")


def test_search_by_code_and_by_words() -> None:
    result = cli("ngap", "search", "am")
    assert result.exit_code == 0
    for code in ("AMC", "AMI", "AMK", "AMS", "AMX"):
        assert code in result.stdout
    result = cli("ngap", "search", "indemnite kilometrique", "--profession", "infirmier", "--json")
    assert result.exit_code == 0
    found = json.loads(result.stdout)
    assert [(a["code"], a["latest"]["price"]) for a in found] == [("IK", "0.35"), ("IKM", "0.50"), ("IKS", "3.40")]


def test_search_at_a_date_says_why_there_is_no_tariff() -> None:
    result = cli("ngap", "search", "SF", "--date", "15/03/2016", "--json")
    assert result.exit_code == 0
    found = json.loads(result.stdout)
    assert found[0]["on"] == {"date": "2016-03-15", "price": None,
                              "reason": "le premier tarif connu de SF date du 07/11/2022, aucun tarif au 15/03/2016"}
    result = cli("ngap", "search", "AMK", "--date", "22/02/2024")
    assert "2,21" in result.stdout and "Tarif au 22/02/2024" in result.stdout


def test_search_finds_nothing_politely() -> None:
    result = cli("ngap", "search", "zzz")
    assert result.exit_code == 0 and "Aucun acte NGAP ou COx trouvé pour « zzz »." in result.stdout


def test_show_history_with_sources() -> None:
    result = cli("ngap", "show", "APC", "--json")
    assert result.exit_code == 0
    [apc] = json.loads(result.stdout)
    assert [(t["from"], t["price"]) for t in apc["tariffs"]] == [
        ("2017-10-01", "48.00"), ("2018-06-01", "50.00"), ("2022-04-01", "55.00"), ("2023-11-01", "56.50"),
        ("2024-12-22", "60.00")]
    assert apc["professions_labels"] == ["médecin"]
    assert all(t["source"]["title"] and t["source"]["date"] for t in apc["tariffs"])
    text = cli("ngap", "show", "G", "--date", "15/03/2016").stdout
    assert "01/05/2017" in text and "Sources :" in text
    assert "le premier tarif connu de G date du 01/05/2017, aucun tarif au 15/03/2016" in " ".join(text.split())


def test_show_one_profession() -> None:
    result = cli("ngap", "show", "ik", "--profession", "sage_femme", "--json")
    assert result.exit_code == 0
    [ik] = json.loads(result.stdout)
    assert ik["professions"] == ["sage_femme"] and ik["tariffs"][0]["from"] == "2024-02-22"
    assert ik["undated"][0]["price"] == "0.45"


def test_bad_input_is_refused_in_french() -> None:
    result = cli("ngap", "show", "G", "--profession", "infirmier")
    assert result.exit_code == 2
    assert "L'acte G n'est pas autorisé pour un infirmier (professions : médecin)." in " ".join(result.stderr.split())
    result = cli("ngap", "show", "ZZZ")
    assert result.exit_code == 3 and "absent des tables NGAP et COx" in result.stderr
    result = cli("ngap", "search", "am", "--profession", "plombier")
    assert result.exit_code == 2 and "Profession « plombier » inconnue" in result.stderr
    result = cli("ngap", "search", "am", "--date", "31/02/2024")
    assert result.exit_code == 2 and "illisible" in result.stderr
    result = cli("ngap", "search", "am", "--limite", "0")
    assert result.exit_code == 2 and "Limite" in result.stderr


def test_help_is_french() -> None:
    result = cli("ngap", "--help")
    assert result.exit_code == 0 and "recherche des actes" in result.stdout


def test_search_without_text_lists_the_codes_page_by_page() -> None:
    """« feuille ngap chercher » alone browses the tables (it used to demand a text)."""
    first = cli("ngap", "chercher", "--limite", "10")
    assert first.exit_code == 0, first.stderr
    said = " ".join(first.stdout.split())
    assert "Page 1 sur " in said and "suivante : --page 2" in said
    found = json.loads(cli("ngap", "chercher", "--limite", "10", "--page", "2", "--json").stdout)
    assert found["page"] == 2 and found["total"] > 10 and len(found["acts"]) == 10
    everything = json.loads(cli("ngap", "chercher", "--limite", "500", "--json").stdout)
    codes = [a["code"] for a in everything["acts"]]
    assert everything["pages"] == 1 and codes == sorted(codes) and len(codes) == everything["total"]
    assert [a["code"] for a in found["acts"]] == codes[10:20]
    last = cli("ngap", "chercher", "--limite", "10", "--page", str(found["pages"]))
    assert "suivante" not in last.stdout
    refused = cli("ngap", "chercher", "--page", "99")
    assert refused.exit_code == 2 and "Page : de 1 à 1" in refused.stderr
