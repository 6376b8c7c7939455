from enum import StrEnum


class HyperparametersWindowLengths(StrEnum):
    FIXED = "fixed"
    VARIED = "varied"

    def __str__(self) -> str:
        return str(self.value)
