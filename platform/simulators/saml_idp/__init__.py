"""A local SAML identity provider simulating BundID and Mein Unternehmenskonto (pysaml2's IdP).

For `make run` and the test suite only: ``python -m simulators.saml_idp serve --port 5001 --data-dir DIR``
serves it on a loopback port, ``… settings`` prints the app settings that trust it. It refuses to
start with AMTSWEG_ENV=production or on a non-loopback address.
"""
