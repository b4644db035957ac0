"""Citizen and business login over SAML 2.0: BundID (people) and Mein Unternehmenskonto (organisations).

Every town is its own service provider (entity ID = its metadata URL on the town's host, keys of its
own); the identity providers' metadata is imported from a file or URL and pinned by the SHA-256
fingerprints of their signing certificates. Signatures, decryption and the time, audience and
InResponseTo checks are pysaml2's (with xmlsec1); this package adds what BundID expects in a request
(minimum trust level, AKDB attribute request), insists on encrypted assertions and checks replays
against the database, which every worker shares.

``idps``: the identity providers and their attributes (data). ``keys``: the towns' key files.
``metadata``: loading and pinning IdP metadata. ``protocol``: the messages (pysaml2).
``models``/``services``: pending and active logins. ``views``: the endpoints under /anmelden/saml/.
"""

import logging
import warnings

# pysaml2 names a cipher mode that cryptography has deprecated (never used here), and its schema
# library announces each schema it loads; neither is worth a line in the app's log. pysaml2 also
# logs each person's NameID at INFO: a login is logged by the app without it.
warnings.filterwarnings("ignore", message=".*CFB has been moved.*")
logging.getLogger("xmlschema").setLevel(logging.WARNING)
logging.getLogger("saml2").setLevel(logging.WARNING)


class SamlUnavailable(RuntimeError):
    """The town's SAML login cannot work right now (keys, IdP metadata or xmlsec1 missing); the message is
    for the log, people are told to try later."""
