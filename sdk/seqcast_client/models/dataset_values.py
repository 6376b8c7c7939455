from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.dataset_values_columns import DatasetValuesColumns


T = TypeVar("T", bound="DatasetValues")


@_attrs_define
class DatasetValues:
    """A dataset's stored rows, column-oriented as `POST /datasets` takes them: grouped by
    series, in time order within each series.

        Attributes:
            columns (DatasetValuesColumns): Column name → values.
            timestamps (list[str] | None): One per row; None without timestamps.
            series (list[str] | None): Series id per row; None for a dataset without a series column.
    """

    columns: DatasetValuesColumns
    timestamps: list[str] | None
    series: list[str] | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        columns = self.columns.to_dict()

        timestamps: list[str] | None
        if isinstance(self.timestamps, list):
            timestamps = self.timestamps

        else:
            timestamps = self.timestamps

        series: list[str] | None
        if isinstance(self.series, list):
            series = self.series

        else:
            series = self.series

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "columns": columns,
                "timestamps": timestamps,
                "series": series,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.dataset_values_columns import DatasetValuesColumns

        d = dict(src_dict)
        columns = DatasetValuesColumns.from_dict(d.pop("columns"))

        def _parse_timestamps(data: object) -> list[str] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                timestamps_type_0 = cast(list[str], data)

                return timestamps_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None, data)

        timestamps = _parse_timestamps(d.pop("timestamps"))

        def _parse_series(data: object) -> list[str] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                series_type_0 = cast(list[str], data)

                return series_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None, data)

        series = _parse_series(d.pop("series"))

        dataset_values = cls(
            columns=columns,
            timestamps=timestamps,
            series=series,
        )

        dataset_values.additional_properties = d
        return dataset_values

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
