"""Returns from the insurers: NOEMIE files integrated once and reconciled (« lettrage »), docs/returns.md.

- ``integration`` (+ ``walk``, ``rows``): a file or the mails of the mailbox integrated in one transaction each;
- ``matching``: a return matched to its invoice and lines, the follow-up state (``domain.follow_up``) and the lot
  moved; ``reconcile``: the returns left « à rapprocher », and one matched by hand (``match_return``);
- ``amounts``: THE expected / paid / remaining per invoice, as selectables other queries join on;
- ``files``: the integrated files as the user reads them; ``receiving``: fetch then integrate.

Rejects, corrections, transfers, one-off operations and reports build on these (``suivi``, ``virements``…).
"""
