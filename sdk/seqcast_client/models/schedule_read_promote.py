from enum import StrEnum


class ScheduleReadPromote(StrEnum):
    ALWAYS = "always"
    IF_BETTER = "if_better"
    NEVER = "never"

    def __str__(self) -> str:
        return str(self.value)
