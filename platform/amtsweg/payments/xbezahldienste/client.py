"""HTTP client of the three XBezahldienste 1.0.0 operations a Online-Dienst uses.

``POST /paymenttransaction/{originatorId}/{endPointId}``                  start a payment
``GET  /paymenttransaction/{originatorId}/{endPointId}/{transactionId}``  its status (the pull model)
``GET  /status/{originatorId}/{endPointId}``                              health of the configuration

Every call has a connect and a read timeout. Every failure becomes one of the provider errors of
``providers.base`` — a problem+json ``functionalCode`` through :data:`FUNCTIONAL_OUTCOMES`, anything
else (timeouts, HTML error pages, malformed JSON, unknown fields' values) through the HTTP status —
so that callers decide by kind, never by parsing text.
"""

from __future__ import annotations

import json
import logging
from typing import Any, TypeVar
from urllib.parse import quote

import requests
from pydantic import BaseModel, ValidationError

from amtsweg.payments.base import (
    PaymentExists,
    ProviderError,
    ProviderMisconfigured,
    ProviderRefused,
    ProviderUnavailable,
)
from amtsweg.payments.xbezahldienste.auth import AuthProfile
from amtsweg.payments.xbezahldienste.schemas import PaymentRequest, PaymentTransaction, SystemResponse

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)

# What each functionalCode means for us (codes we do not know count as UNSPECIFIED).
FUNCTIONAL_OUTCOMES: dict[str, type[ProviderError]] = {
    "PAYMENT_EXISTS": PaymentExists,
    "CALCULATION_ERROR": ProviderRefused,
    "BOOKING_DATA_MISSING": ProviderRefused,
    "VALIDATION_ERROR": ProviderRefused,
    "NO_VALID_ORIGINATOR_OR_ENDPOINT": ProviderMisconfigured,
    "NO_VALID_ORIGINATOR_OR_DESTINATION": ProviderMisconfigured,
    "FORBIDDEN": ProviderMisconfigured,
    "UNSPECIFIED": ProviderUnavailable,
}
# Without a functionalCode, the HTTP status decides.
STATUS_OUTCOMES: dict[int, type[ProviderError]] = {401: ProviderMisconfigured, 403: ProviderMisconfigured}


class XBezahldiensteClient:
    def __init__(
        self, base_url: str, originator_id: str, endpoint_id: str, session: requests.Session,
        timeout: tuple[float, float], profile: AuthProfile | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.ids = f"{quote(originator_id, safe='')}/{quote(endpoint_id, safe='')}"
        self.session = session
        self.timeout = timeout
        self.profile = profile

    def create(self, request: PaymentRequest) -> PaymentTransaction:
        body = request.model_dump(mode="json", by_alias=True, exclude_none=True)
        response = self._call("POST", f"/paymenttransaction/{self.ids}", json=body)
        return self._parse(response, PaymentTransaction)

    def transaction(self, transaction_id: str) -> PaymentTransaction:
        response = self._call("GET", f"/paymenttransaction/{self.ids}/{quote(transaction_id, safe='')}")
        return self._parse(response, PaymentTransaction)

    def status(self) -> SystemResponse:
        return self._parse(self._call("GET", f"/status/{self.ids}"), SystemResponse)

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        response = self._send(method, path, **kwargs)
        if response.status_code == 401 and self.profile is not None:
            # An expired or revoked token: renew once, then the answer stands.
            self.profile.forget_credentials(self.session)
            response = self._send(method, path, **kwargs)
        if 200 <= response.status_code < 300:
            return response
        raise self._error(response)

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        if self.profile is not None:
            self.profile.before_request(self.session, self.timeout)
        try:
            # verify and cert given per call: requests would otherwise let REQUESTS_CA_BUNDLE and
            # CURL_CA_BUNDLE of the environment replace the town's CA.
            return self.session.request(
                method, self.base_url + path, timeout=self.timeout, allow_redirects=False,
                headers={"Accept": "application/json, application/problem+json"},
                verify=self.session.verify, cert=self.session.cert, **kwargs,
            )
        except requests.exceptions.SSLError as exc:
            raise ProviderMisconfigured(f"TLS connection refused: {_reason(exc)}", code="TLS") from exc
        except requests.Timeout as exc:
            raise ProviderUnavailable(f"no answer within {self.timeout[1]:g} s", code="TIMEOUT") from exc
        except requests.RequestException as exc:
            raise ProviderUnavailable(f"not reachable: {_reason(exc)}", code="UNREACHABLE") from exc

    def _error(self, response: requests.Response) -> ProviderError:
        problem = _problem(response)
        code = (problem.functional_code or "") if problem else ""
        detail = (problem.detail or problem.title or "") if problem else ""
        kind = FUNCTIONAL_OUTCOMES.get(code) if code else STATUS_OUTCOMES.get(response.status_code)
        if kind is None:
            kind = ProviderUnavailable if response.status_code >= 500 or code else ProviderRefused
        return kind(f"HTTP {response.status_code} {code or 'without functionalCode'}",
                    code=code or f"HTTP_{response.status_code}", detail=detail)

    def _parse(self, response: requests.Response, model: type[M]) -> M:
        try:
            return model.model_validate(response.json())
        except (json.JSONDecodeError, requests.JSONDecodeError, ValueError, ValidationError) as exc:
            log.warning("XBezahldienste answer of %s is unusable: %s", response.url, exc)
            raise ProviderUnavailable("the answer does not follow XBezahldienste 1.0.0",
                                      code="UNUSABLE_ANSWER") from exc


def _problem(response: requests.Response) -> SystemResponse | None:
    try:
        return SystemResponse.model_validate(response.json())
    except (ValueError, ValidationError):
        return None


def _reason(exc: Exception) -> str:
    return type(exc).__name__
