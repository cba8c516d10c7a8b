"""A witness of the whole test run: what was logged, queued as a task, requested as a URL or
sent as an e-mail; and the secrets that must never appear there (national register numbers,
temporary passwords). The session ends with a scan; any leak fails the run."""

import logging

from access.identifiers import format_niss

SECRETS: set[str] = set()
SEEN: list[tuple[str, str]] = []


def remember_niss(niss: str) -> None:
    SECRETS.update({niss, format_niss(niss)})


def remember_password(password: str) -> None:
    SECRETS.add(password)


def saw(where: str, text: object) -> None:
    SEEN.append((where, str(text)))


def find(secrets: set[str], seen: list[tuple[str, str]]) -> list[str]:
    return [f"{where}: …{secret}…" for secret in sorted(secrets) for where, text in seen if secret in text]


class Handler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        saw(f"log {record.name}", self.format(record))
