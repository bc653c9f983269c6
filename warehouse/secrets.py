"""Credentials masked in every output: `mask` is what messages, logs, the ledger and the command line's text pass
through. It knows the forms a credential takes in text; a target also masks the exact secrets it holds
(`Target.redact`). A leaf module: it imports nothing of the project (DAG parsing and argparse use it)."""

from __future__ import annotations

import logging
import re

MASK = "***"
# user:password@ in a URL (a password cannot hold "/", "@" or a space unencoded: RFC 3986's userinfo)
_URL_PASSWORD = re.compile(r"(?P<keep>[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^/@\s]*(?=@)", re.IGNORECASE)
# key=value where the key names a credential: ?password=, &aws_secret_access_key=, token=, libpq's password=...,
# the parts of COPY's CREDENTIALS 'aws_access_key_id=...;aws_secret_access_key=...;token=...'
_KEY_VALUE = re.compile(
    r"(?P<keep>\b[\w-]*(?:password|passwd|pwd|secret|token)[\w-]*\s*=\s*)(?P<value>'[^']*'|[^\s&;#'\",)]+)",
    re.IGNORECASE,
)


def mask(text: str) -> str:
    """The text with every credential it holds as a URL password or a credential's key=value replaced by ***."""
    text = _URL_PASSWORD.sub(rf"\g<keep>{MASK}", text)
    return _KEY_VALUE.sub(lambda m: m["keep"] + ("'***'" if m["value"].startswith("'") else MASK), text)


class MaskingFormatter(logging.Formatter):
    """A log formatter whose records come out masked (a handler's formatter: messages, arguments, tracebacks)."""

    def format(self, record: logging.LogRecord) -> str:
        return mask(super().format(record))
