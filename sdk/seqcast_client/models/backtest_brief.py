from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_status import JobStatus

T = TypeVar("T", bound="BacktestBrief")


@_attrs_define
class BacktestBrief:
    """A version's backtest, as the version read model lists it.

    Attributes:
        id (str):
        status (JobStatus):
        folds (int):
        stride (int):
        beats_seasonal_naive (bool | None):
        created_at (datetime.datetime):
    """

    id: str
    status: JobStatus
    folds: int
    stride: int
    beats_seasonal_naive: bool | None
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        status = self.status.value

        folds = self.folds

        stride = self.stride

        beats_seasonal_naive: bool | None
        beats_seasonal_naive = self.beats_seasonal_naive

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "status": status,
                "folds": folds,
                "stride": stride,
                "beats_seasonal_naive": beats_seasonal_naive,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = d.pop("id")

        status = JobStatus(d.pop("status"))

        folds = d.pop("folds")

        stride = d.pop("stride")

        def _parse_beats_seasonal_naive(data: object) -> bool | None:
            if data is None:
                return data
            return cast(bool | None, data)

        beats_seasonal_naive = _parse_beats_seasonal_naive(d.pop("beats_seasonal_naive"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        backtest_brief = cls(
            id=id,
            status=status,
            folds=folds,
            stride=stride,
            beats_seasonal_naive=beats_seasonal_naive,
            created_at=created_at,
        )

        backtest_brief.additional_properties = d
        return backtest_brief

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
