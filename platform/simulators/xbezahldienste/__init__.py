"""A simulated XBezahldienste 1.0.0 payment provider (``python -m simulators.xbezahldienste``).

It follows the published OpenAPI: the three endpoints, the three ways providers authenticate
(HTTP Basic, OAuth2 client credentials, mutual TLS), the validation rules and the problem+json
errors — and it has its own payment page where a person chooses "bezahlen", "abbrechen" or
"fehlschlagen". Switches make it misbehave like real providers do (down, slow, FAILED before
PAYED, a citizen who never comes back, nonsense answers). It refuses to start in production.
"""

from simulators.xbezahldienste.app import Account, SimulatorRefused, create_app

__all__ = ["Account", "SimulatorRefused", "create_app"]
