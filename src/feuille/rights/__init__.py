"""The patient's rights from the ADRi service (docs/droits.md): settings, the signed HTTPS client, the lookup kept
on the patient and the « Choix informations AMO » step. The call policy (manuel / ciblé / systématique) is the
professional's preference ``adri_mode``; the Vitale app always calls.
"""
