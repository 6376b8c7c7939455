from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ForecastProgress")


@_attrs_define
class ForecastProgress:
    """
    Attributes:
        series_done (int): Series in the chunks finished so far.
        series_total (int):
        chunks_done (int):
        chunks_total (int): 0 until a worker has planned the job.
    """

    series_done: int
    series_total: int
    chunks_done: int
    chunks_total: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        series_done = self.series_done

        series_total = self.series_total

        chunks_done = self.chunks_done

        chunks_total = self.chunks_total

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "series_done": series_done,
                "series_total": series_total,
                "chunks_done": chunks_done,
                "chunks_total": chunks_total,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        series_done = d.pop("series_done")

        series_total = d.pop("series_total")

        chunks_done = d.pop("chunks_done")

        chunks_total = d.pop("chunks_total")

        forecast_progress = cls(
            series_done=series_done,
            series_total=series_total,
            chunks_done=chunks_done,
            chunks_total=chunks_total,
        )

        forecast_progress.additional_properties = d
        return forecast_progress

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
