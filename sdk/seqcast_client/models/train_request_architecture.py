from enum import StrEnum


class TrainRequestArchitecture(StrEnum):
    AUTO = "auto"
    GRU = "gru"
    LSTM = "lstm"
    RNN = "rnn"
    TRANSFORMER = "transformer"

    def __str__(self) -> str:
        return str(self.value)
