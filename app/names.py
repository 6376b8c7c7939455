"""Names that end up in URLs and artifact paths are checked against one pattern."""

import re
from typing import Annotated

from fastapi import Path
from pydantic import StringConstraints

from app.errors import InvalidInput

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
NAME_RULE = "letters, digits, '.', '_' and '-', starting with a letter or digit, at most 100"

ResourceName = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]
"""Letters, digits, '.', '_' and '-', starting with a letter or digit, at most 100 characters."""


MAX_VERSION = 2**31 - 1
"""Version numbers are 32-bit integers in the database."""
MAX_OFFSET = 2**31 - 1
"""Listing offsets, kept within what the database's OFFSET takes."""

ModelName = Annotated[str, Path(pattern=NAME_PATTERN, description="A model name.")]
AliasName = Annotated[str, Path(pattern=NAME_PATTERN, description="An alias, e.g. production.")]
VersionNumber = Annotated[int, Path(ge=1, le=MAX_VERSION, description="A version number.")]
RecordId = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="A dataset or job id.")
]
"""Path parameters, validated before any of them reaches the database."""


def has_control_characters(text: str) -> bool:
    return any(ord(c) < 32 or ord(c) == 127 for c in text)


def check_name(field: str, value: str) -> str:
    """For names that arrive outside a pydantic body (form fields, path parameters)."""
    if not re.fullmatch(NAME_PATTERN, value):
        raise InvalidInput(field, f"{value!r} is not a valid name: use {NAME_RULE}")
    return value
