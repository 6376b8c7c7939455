from enum import StrEnum


class AutoSearchCandidatesItem(StrEnum):
    GRU = "gru"
    LSTM = "lstm"
    RNN = "rnn"
    TRANSFORMER = "transformer"

    def __str__(self) -> str:
        return str(self.value)
