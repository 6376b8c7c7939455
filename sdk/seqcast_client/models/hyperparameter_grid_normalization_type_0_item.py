from enum import StrEnum


class HyperparameterGridNormalizationType0Item(StrEnum):
    GLOBAL = "global"
    INSTANCE = "instance"

    def __str__(self) -> str:
        return str(self.value)
