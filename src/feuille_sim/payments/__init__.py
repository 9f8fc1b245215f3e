"""The caisse de test pays: on ``feuille-sim avancer`` the ``noemie`` producer (``produce``) writes NOEMIE returns
for the accepted lots whose payment day has come (``build``: what is paid, rejected, withheld), puts each as a
mail into the professional's mailbox (``mail``) and keeps its bookkeeping (``store``); ``status`` adds the returns
waiting and the totals paid to ``feuille-sim etat``. docs/caisse-de-test.md, « Paiements », says what is ours.
"""
