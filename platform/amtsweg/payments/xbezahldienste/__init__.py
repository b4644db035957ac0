"""The XBezahldienste 1.0.0 wire format, its client and the authentication profiles."""
