"""Names that end up in URLs and artifact paths are checked against one pattern."""

import re
from typing import Annotated

from pydantic import StringConstraints

from app.errors import InvalidInput

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
NAME_RULE = "letters, digits, '.', '_' and '-', starting with a letter or digit, at most 100"

ResourceName = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]
"""Letters, digits, '.', '_' and '-', starting with a letter or digit, at most 100 characters."""


RECORD_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
"""Dataset and job ids (app.db.new_id makes them): checked wherever a caller sends one, so a
malformed id (a NUL byte, which PostgreSQL refuses in text) is a 422, never a query."""
RecordIdValue = Annotated[str, StringConstraints(pattern=RECORD_ID_PATTERN)]

MAX_VERSION = 2**31 - 1
"""Version numbers are 32-bit integers in the database."""
MAX_REVISION = 2**31 - 1
"""Dataset revision numbers are 32-bit integers in the database too."""
MAX_OFFSET = 2**31 - 1
"""Listing offsets, kept within what the database's OFFSET takes."""


def has_control_characters(text: str) -> bool:
    return any(ord(c) < 32 or ord(c) == 127 for c in text)


def check_name(field: str, value: str) -> str:
    """For names that arrive outside a pydantic body (form fields, path parameters)."""
    if not re.fullmatch(NAME_PATTERN, value):
        raise InvalidInput(field, f"{value!r} is not a valid name: use {NAME_RULE}")
    return value
