from enum import StrEnum


class HyperparametersNormalization(StrEnum):
    GLOBAL = "global"
    INSTANCE = "instance"

    def __str__(self) -> str:
        return str(self.value)
