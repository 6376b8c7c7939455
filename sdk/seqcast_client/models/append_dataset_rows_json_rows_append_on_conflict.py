from enum import StrEnum


class AppendDatasetRowsJsonRowsAppendOnConflict(StrEnum):
    ERROR = "error"
    REPLACE = "replace"

    def __str__(self) -> str:
        return str(self.value)
