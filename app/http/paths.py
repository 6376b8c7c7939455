"""Path parameters of the routes, validated by FastAPI before any of them reaches the
database (the patterns are app.names', shared with the bodies and the worker)."""

from typing import Annotated

from fastapi import Path

from app.names import MAX_VERSION, NAME_PATTERN, RECORD_ID_PATTERN

ModelName = Annotated[str, Path(pattern=NAME_PATTERN, description="A model name.")]
AliasName = Annotated[str, Path(pattern=NAME_PATTERN, description="An alias, e.g. production.")]
VersionNumber = Annotated[int, Path(ge=1, le=MAX_VERSION, description="A version number.")]
RecordId = Annotated[str, Path(pattern=RECORD_ID_PATTERN, description="A dataset or job id.")]
