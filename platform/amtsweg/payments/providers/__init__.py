"""Payment providers, registered by name (the names a town lists in ``[payments] methods``).

Adding a provider: one module here with a class decorated ``@register("name")`` (settings model,
``start``, ``poll``/``handle_return`` if it keeps a status, ``health``), imported below.
"""

from amtsweg.payments.base import PROVIDERS, PaymentProvider
from amtsweg.payments.providers import town_hall, transfer, xbezahldienste

__all__ = ["PROVIDERS", "PaymentProvider", "town_hall", "transfer", "xbezahldienste"]
