from enum import StrEnum


class AppendDatasetRowsFilesRowsUploadFillMissing(StrEnum):
    FFILL = "ffill"
    INTERPOLATE = "interpolate"
    NONE = "none"
    ZERO = "zero"

    def __str__(self) -> str:
        return str(self.value)
