"""The card reader port: CPS, CPE, Vitale (and the Vitale app), PIN with three tries, signatures."""
