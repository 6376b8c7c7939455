from enum import StrEnum


class AppendDatasetRowsFilesRowsUploadOnConflict(StrEnum):
    ERROR = "error"
    REPLACE = "replace"

    def __str__(self) -> str:
        return str(self.value)
