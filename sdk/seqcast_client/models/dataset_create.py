from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.dataset_create_columns import DatasetCreateColumns


T = TypeVar("T", bound="DatasetCreate")


@_attrs_define
class DatasetCreate:
    """
    Attributes:
        columns (DatasetCreateColumns): Column name → values, in time order. All columns must have the same length.
        name (str):
        timestamps (list[str] | None | Unset): Optional ISO 8601 timestamps, one per row (2024-01-31,
            2024-01-31T12:00:00Z, or 2024-01 for monthly data); kept as given. Rows are sorted by time within each series; a
            timestamp twice in one series is refused.
        series (list[str] | None | Unset): Optional series id per row (long format: many series in one dataset). Rows
            are grouped by series, in order of first appearance.
    """

    columns: DatasetCreateColumns
    name: str
    timestamps: list[str] | None | Unset = UNSET
    series: list[str] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        columns = self.columns.to_dict()

        name = self.name

        timestamps: list[str] | None | Unset
        if isinstance(self.timestamps, Unset):
            timestamps = UNSET
        elif isinstance(self.timestamps, list):
            timestamps = self.timestamps

        else:
            timestamps = self.timestamps

        series: list[str] | None | Unset
        if isinstance(self.series, Unset):
            series = UNSET
        elif isinstance(self.series, list):
            series = self.series

        else:
            series = self.series

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "columns": columns,
                "name": name,
            }
        )
        if timestamps is not UNSET:
            field_dict["timestamps"] = timestamps
        if series is not UNSET:
            field_dict["series"] = series

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.dataset_create_columns import DatasetCreateColumns

        d = dict(src_dict)
        columns = DatasetCreateColumns.from_dict(d.pop("columns"))

        name = d.pop("name")

        def _parse_timestamps(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                timestamps_type_0 = cast(list[str], data)

                return timestamps_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        timestamps = _parse_timestamps(d.pop("timestamps", UNSET))

        def _parse_series(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                series_type_0 = cast(list[str], data)

                return series_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        series = _parse_series(d.pop("series", UNSET))

        dataset_create = cls(
            columns=columns,
            name=name,
            timestamps=timestamps,
            series=series,
        )

        return dataset_create
