from enum import StrEnum


class StreamForecastMode(StrEnum):
    STEP = "step"
    WINDOW = "window"

    def __str__(self) -> str:
        return str(self.value)
