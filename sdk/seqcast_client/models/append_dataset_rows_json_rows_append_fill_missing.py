from enum import StrEnum


class AppendDatasetRowsJsonRowsAppendFillMissing(StrEnum):
    FFILL = "ffill"
    INTERPOLATE = "interpolate"
    NONE = "none"
    ZERO = "zero"

    def __str__(self) -> str:
        return str(self.value)
