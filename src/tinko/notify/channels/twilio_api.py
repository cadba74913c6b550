"""SMS and WhatsApp through Twilio's Messages API, with the official `twilio` SDK.

TINKO_TWILIO_API_BASE points the SDK's `api` domain elsewhere (a regional host, or a stand-in
server in tests); every request is still the SDK's own. Twilio answers 4xx for problems with
the message (21211 invalid 'To' number, 21610 recipient replied STOP, 63016 WhatsApp outside
the 24-hour session without a template…): permanent. 429 and 5xx are worth retrying.
Source: https://www.twilio.com/docs/api/errors and the Messages resource reference.
"""

from __future__ import annotations

import json
import logging

import requests
from twilio.base.exceptions import (
    TwilioException,
    TwilioRestException,
    TwilioServiceException,
)
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from tinko.config import Settings
from tinko.notify.channels.base import Outgoing, PermanentFailure, Sent, TransientFailure

TIMEOUT_SECONDS = 20
# The SDK logs each request and response at INFO; responses echo the body, which holds the
# customer's payment link. Only its warnings reach our logs.
_SDK_LOG = logging.getLogger("tinko.notify.twilio_sdk")
_SDK_LOG.setLevel(logging.WARNING)


def whatsapp_address(number: str) -> str:
    return number if number.startswith("whatsapp:") else f"whatsapp:{number}"


class TwilioChannel:
    def __init__(self, settings: Settings, channel: str) -> None:
        assert settings.twilio_account_sid
        assert settings.twilio_auth_token
        self.channel = channel
        sender = settings.twilio_sms_from if channel == "sms" else settings.twilio_whatsapp_from
        assert sender
        self.sender = sender
        self.client = Client(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            http_client=TwilioHttpClient(timeout=TIMEOUT_SECONDS, logger=_SDK_LOG),
        )
        if settings.twilio_api_base:
            self.client.api.base_url = settings.twilio_api_base.rstrip("/")

    def send(self, message: Outgoing) -> Sent:
        try:
            created = self.client.messages.create(**self._params(message))
        except TwilioRestException as exc:
            raise _by_status(exc.status, exc.code, exc.msg) from None
        except TwilioServiceException as exc:  # the RFC 9457 shape of newer endpoints
            raise _by_status(exc.status, exc.code, exc.detail or exc.title) from None
        except (requests.RequestException, TwilioException) as exc:
            raise TransientFailure(f"Twilio unreachable: {type(exc).__name__}") from None
        if created.status == "failed":
            raise PermanentFailure(f"Twilio error {created.error_code}: {created.error_message}")
        return Sent(provider_message_id=str(created.sid))

    def _params(self, message: Outgoing) -> dict[str, str]:
        params: dict[str, str] = {}
        if self.sender.startswith("MG"):  # a Messaging Service SID picks the sender itself
            params["messaging_service_sid"] = self.sender
        elif self.channel == "whatsapp":
            params["from_"] = whatsapp_address(self.sender)
        else:
            params["from_"] = self.sender
        if self.channel == "whatsapp":
            params["to"] = whatsapp_address(message.recipient)
            if message.provider_template_id:
                # An approved template: outside a 24-hour session it is the only way to write.
                params["content_sid"] = message.provider_template_id
                params["content_variables"] = json.dumps(message.provider_variables)
                return params
        else:
            params["to"] = message.recipient
        params["body"] = message.text
        return params


def _by_status(status: int, code: object, text: object) -> TransientFailure | PermanentFailure:
    reason = f"Twilio {status} error {code}: {text}"
    # 401/403 (error 20003) refuse our own credentials, not the message: like an SMTP login
    # refusal, it is retried while an admin fixes the account
    # (https://www.twilio.com/docs/api/errors/20003).
    if status in (401, 403) or status == 429 or status >= 500:
        return TransientFailure(reason)
    return PermanentFailure(reason)
