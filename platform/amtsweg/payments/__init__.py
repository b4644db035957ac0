"""Fees and payment: Payment rows per case and attempt, the providers a town allows (XBezahldienste,
transfer with a Kassenzeichen, payment at the town hall), reconciliation and the cash office's data."""
