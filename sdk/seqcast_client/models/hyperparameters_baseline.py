from enum import StrEnum


class HyperparametersBaseline(StrEnum):
    NONE = "none"
    SEASONAL_DRIFT = "seasonal_drift"
    SEASONAL_NAIVE = "seasonal_naive"

    def __str__(self) -> str:
        return str(self.value)
