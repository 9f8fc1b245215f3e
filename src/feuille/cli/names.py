"""The command line's names: French, with the historical English names kept as hidden aliases.

Rule (CONTRIBUTING.md): every command, group and option a user types is French. Commands written in
English before the rule keep working: ``ALIASES`` maps each old word to its French name, the tree is
renamed once when a group is loaded, and the old word is accepted on the command line without being
listed in the help (click's ``token_normalize_func``). This module imports nothing heavy: ``feuille
--help`` reads the groups' one-line help from ``GROUPS`` without importing them.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Old (English) command or option word -> the French word users see. One table for every level:
#: ``feuille invoice create`` runs ``feuille facture creer``, ``--means`` is ``--moyen``.
ALIASES: dict[str, str] = {
    # groups
    "price": "tarifer",
    "invoice": "facture",
    "card": "carte",
    "prescriber": "prescripteur",
    "favourite": "favori",
    "user": "utilisateur",
    "db": "base",
    "professional": "pro",
    "days": "jours",
    # commands
    "add": "ajouter",
    "edit": "modifier",
    "update": "modifier",
    "set": "modifier",
    "list": "liste",
    "show": "afficher",
    "delete": "supprimer",
    "search": "chercher",
    "import": "importer",
    "select": "choisir",
    "duplicate": "dupliquer",
    "link-user": "lier-utilisateur",
    "link": "cocher",
    "unlink": "decocher",
    "remove": "retirer",
    "insert": "inserer",
    "status": "etat",
    "unblock": "debloquer",
    "create": "creer",
    "check": "controler",
    "secure": "securiser",
    "finalise": "finaliser",
    "pay": "payer",
    "unpay": "retirer-paiement",
    "cancel": "annuler",
    "attach": "joindre",
    "verify": "verifier",
    "init": "initialiser",
    "unused-numbers": "numeros-inutilises",
    "backup": "sauvegarder",
    "read": "lire",
    "restore": "restaurer",
    # options (without their dashes)
    "means": "moyen",
    "amount": "montant",
}

#: Positional arguments named in English in their module -> the French name the help and errors show.
ARGUMENTS: dict[str, str] = {"patient_id": "PATIENT", "contract_id": "MUTUELLE", "organism_id": "ORGANISME"}


def normalise(token: str) -> str:
    """What click compares: the French word for an old English one, any other token unchanged."""
    return ALIASES.get(token, token)


@dataclass(frozen=True)
class Group:
    """A top-level command: where it lives and its one-line help, so ``--help`` needs no import.

    ``module`` has ``register(app)`` adding ``registered`` (its historical name) to a Typer app; ``extras``
    are modules whose ``register(<group's Typer>)`` adds commands to it (``attach`` names that Typer).
    """

    name: str
    module: str
    registered: str
    help: str
    hidden: bool = False
    extras: tuple[tuple[str, str, str], ...] = ()   # (module, register function, module.attr of the Typer)


GROUPS: tuple[Group, ...] = (
    Group("tarifer", "pricing", "price",
          "Tarifer une facture (JSON en entrée, JSON en sortie) : parts AMO, AMC, patient et trace des règles "
          "appliquées."),
    Group("demo", "demo", "demo", "Charge les données de démonstration des manuels et fait visiter le cabinet."),
    Group("serve", "serve", "serve", "Sert l'application web (pages et API JSON sous /api)."),
    Group("pro", "professionals", "pro", "Professionnels de santé : titulaires, remplaçants et leur calendrier.",
          extras=(("care_sheet", "register_signature", "professionals.pro_app"),)),
    Group("preferences", "professionals", "preferences",
          "Préférences d'un professionnel (Profils) : ADRi, AMC, facturation."),
    Group("favori", "professionals", "favourite", "Soins favoris : un libellé et une liste d'actes."),
    Group("patient", "patients", "patient", "Patients : création, recherche, fiche, modification, suppression.",
          extras=(("rights", "register_patient", "patients.patient_app"),)),
    Group("amo", "organisms", "amo", "Liste des organismes AMO utilisés (régime, caisse, centre)."),
    Group("amc", "organisms", "amc", "Liste des organismes AMC (mutuelles) : nom, numéro, type de contrat, gestion."),
    Group("mutuelle", "amc_conventions", "mutuelle",
          "Mutuelles : annuaire des conventions AMC pour la télétransmission de la part complémentaire (DRE)."),
    Group("prescripteur", "prescribers", "prescriber",
          "Prescripteurs : création, modification, recherche, suppression."),
    Group("ngap", "ngap", "ngap", "NGAP et COx : recherche des actes (code, mots du libellé), historique des tarifs "
                                  "avec leurs sources."),
    Group("ccam", "ccam", "ccam", "CCAM : import de la table des actes, recherche (code, mots, mot-clé), "
                                  "consultation."),
    Group("carte", "cards", "card", "Lecteur de cartes : CPS, CPE, carte Vitale et appli carte Vitale (cartes "
                                    "virtuelles)."),
    Group("facture", "invoices", "invoice", "Factures : saisie, contrôle des taux, sécurisation, paiements, "
                                            "annulation.",
          extras=(("care_sheet", "register", "invoices.app_invoice"),
                  ("wizard", "register", "invoices.app_invoice"),
                  ("invoice_pieces", "register", "invoices.app_invoice"))),
    Group("lecteur", "portable", "lecteur", "Lecteur portable : charger des factures, les signer chez le patient "
                                            "avec sa carte Vitale (mode désynchronisé), les décharger au poste."),
    Group("caisse-de-test", "rights", "caisse-de-test",
          "Caisse de test : relier le cabinet à une caisse de test lancée sur ce poste."),
    Group("messagerie", "messagerie", "messagerie",
          "Messagerie de télétransmission : serveur d'envoi (SMTP), boîte aux lettres (POP3/IMAP), mot de passe."),
    Group("teletransmission", "teletransmission", "teletransmission",
          "Télétransmission : factures à télétransmettre, mise en lot et en fichier B2, envoi et réception des "
          "ARL, bordereau, lots télétransmis, réglages.",
          extras=(("teletransmission_envoi", "register", "teletransmission.app"),)),
    Group("b2", "b2", "b2", "Fichiers B2 : lecture et contrôle d'un fichier de factures (lots, factures, totaux, "
                            "problèmes)."),
    Group("base", "admin", "db", "Base de données : création et migrations.",
          extras=(("db", "register", "admin.db_app"),)),
    Group("utilisateur", "admin", "user", "Utilisateurs et rôles (titulaire, remplaçant, secrétaire, "
                                          "administrateur)."),
    Group("audit", "admin", "audit", "Journal d'audit chaîné : vérification de son intégrité."),
    Group("scor", "scor", "scor", "Pièces SCOR (ordonnances, feuilles de soins) : liste, conformité, ajout, envoi, "
                                  "purge."),
    Group("noemie", "noemie", "noemie", "Retours NOEMIE : lecture d'un fichier, intégration, fichiers intégrés.",
          extras=(("noemie_returns", "register", "noemie.app"),)),
    Group("suivi", "suivi", "suivi", "Suivi des facturations : état des factures télétransmises, rapprochement, "
                                     "rejets et leur traitement."),
    Group("virements", "virements", "virements", "Suivi des virements : virements des organismes, détail des "
                                                 "factures payées, mouvements financiers."),
    Group("operations", "operations", "operations", "Opérations ponctuelles : paiements non liés à une facture et "
                                                    "retenues, avec leur détail."),
    Group("rapports", "rapports", "rapports", "Rapports : attendu et payé par organisme, ancienneté des impayés, "
                                              "part sécurisée en SESAM-Vitale."),
)
