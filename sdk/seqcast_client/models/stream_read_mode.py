from enum import StrEnum


class StreamReadMode(StrEnum):
    STEP = "step"
    WINDOW = "window"

    def __str__(self) -> str:
        return str(self.value)
