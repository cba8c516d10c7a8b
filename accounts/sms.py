"""Sending SMS through a pluggable backend, like Django's e-mail backends.

SMS_BACKEND names the class: ConsoleBackend (prints), LocmemBackend (keeps them in memory, for
tests), DevOutboxBackend (the development outbox page) or HttpGatewayBackend (production: a JSON
POST to SMS_GATEWAY_URL with the bearer token SMS_GATEWAY_TOKEN).
"""

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class SmsDeliveryError(Exception):
    """The SMS was not accepted; sending it again later may work."""


@dataclass(frozen=True)
class Sms:
    to: str
    body: str


class BaseBackend:
    def send(self, sms: Sms) -> None:
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    def send(self, sms: Sms) -> None:
        sys.stdout.write(f"SMS to {sms.to}: {sms.body}\n")


class LocmemBackend(BaseBackend):
    outbox: ClassVar[list[Sms]] = []

    def send(self, sms: Sms) -> None:
        self.outbox.append(sms)


def dev_outbox_dir() -> Path:
    return Path(settings.DEV_OUTBOX_DIR)


def append_to_dev_outbox(kind: str, entry: dict[str, str]) -> None:
    directory = dev_outbox_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / f"{kind}.jsonl").open("a", encoding="utf-8") as file:
        file.write(json.dumps({"at": timezone.now().isoformat(), **entry}) + "\n")


class DevOutboxBackend(BaseBackend):
    """Development only: the message lands in the outbox page instead of a phone."""

    def send(self, sms: Sms) -> None:
        append_to_dev_outbox("sms", {"to": sms.to, "body": sms.body})


class HttpGatewayBackend(BaseBackend):
    def send(self, sms: Sms) -> None:
        try:
            response = requests.post(
                settings.SMS_GATEWAY_URL,
                json={"to": sms.to, "text": sms.body},
                headers={"Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}"},
                timeout=settings.SMS_GATEWAY_TIMEOUT,
            )
        except requests.RequestException as exc:
            raise SmsDeliveryError(f"SMS gateway unreachable: {exc.__class__.__name__}") from exc
        if response.status_code >= 300:
            raise SmsDeliveryError(f"SMS gateway answered {response.status_code}")


def send_sms(sms: Sms) -> None:
    backend: BaseBackend = import_string(settings.SMS_BACKEND)()
    backend.send(sms)
