"""Path parameters of the routes, validated by FastAPI before any of them reaches the
database (the patterns are app.names', shared with the bodies and the worker)."""

from typing import Annotated

from fastapi import Path

from app.names import MAX_VERSION, NAME_PATTERN

ModelName = Annotated[str, Path(pattern=NAME_PATTERN, description="A model name.")]
AliasName = Annotated[str, Path(pattern=NAME_PATTERN, description="An alias, e.g. production.")]
VersionNumber = Annotated[int, Path(ge=1, le=MAX_VERSION, description="A version number.")]
RecordId = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="A dataset or job id.")
]
