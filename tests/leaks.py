"""A witness of the whole test run: what was logged, queued as a task, requested as a URL or
sent as an e-mail; and the secrets that must never appear there (national register numbers,
temporary passwords). The session ends with a scan; any leak fails the run."""

import logging
import re

from access.identifiers import format_niss

SECRETS: set[str] = set()
SECRET_CHARACTERS = re.compile(r"[0-9A-Za-z.\-]+")
SEEN: list[tuple[str, str]] = []


def remember_niss(niss: str) -> None:
    SECRETS.update({niss, format_niss(niss)})


def remember_password(password: str) -> None:
    SECRETS.add(password)


def saw(where: str, text: object) -> None:
    SEEN.append((where, str(text)))


def find(secrets: set[str], seen: list[tuple[str, str]]) -> list[str]:
    """Where each secret stands in what was seen. A secret is a run of letters, digits, dots and
    dashes, so it can only stand inside such a run of the text: each distinct text is cut into
    those runs and their pieces of a secret's length are looked up, which keeps the scan linear in
    what was seen (comparing every secret with every text took most of a minute at the end of the
    suite)."""
    if not secrets:
        return []
    assert all(SECRET_CHARACTERS.fullmatch(secret) for secret in secrets), "a secret the scan cannot see"
    lengths = sorted({len(secret) for secret in secrets})
    runs = re.compile(rf"[0-9A-Za-z.\-]{{{lengths[0]},}}")
    texts: dict[str, str] = {}
    for where, text in seen:
        texts.setdefault(text, where)
    found = set()
    for text, where in texts.items():
        for run in runs.findall(text):
            for length in lengths:
                for start in range(len(run) - length + 1):
                    if run[start : start + length] in secrets:
                        found.add(f"{where}: …{run[start : start + length]}…")
    return sorted(found)


class Handler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        saw(f"log {record.name}", self.format(record))
