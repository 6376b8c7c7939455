from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.append_dataset_rows_json_rows_append_fill_missing import (
    AppendDatasetRowsJsonRowsAppendFillMissing,
)
from ..models.append_dataset_rows_json_rows_append_on_conflict import (
    AppendDatasetRowsJsonRowsAppendOnConflict,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.append_dataset_rows_json_rows_append_columns import (
        AppendDatasetRowsJsonRowsAppendColumns,
    )


T = TypeVar("T", bound="AppendDatasetRowsJsonRowsAppend")


@_attrs_define
class AppendDatasetRowsJsonRowsAppend:
    """Rows for POST /datasets/{id}/rows: the upload's shape, the dataset's columns.

    Attributes:
        columns (AppendDatasetRowsJsonRowsAppendColumns): Column name → values, in time order. All columns must have the
            same length. A null (or NaN) is a missing value: refused unless `fill_missing` fills it.
        fill_missing (AppendDatasetRowsJsonRowsAppendFillMissing | Unset): Missing values (null or NaN) and gaps in the
            timestamps: `none` refuses a missing value (422) and keeps gaps as they are (the dataset then has no frequency);
            `ffill`, `interpolate` (linear) or `zero` first inserts the rows each gap leaves out, on the step most common
            between consecutive rows, then fills every missing value. Missing values before a series' first value take that
            value (`interpolate` also carries the last value forward). The dataset's `filled` counts the values filled per
            column; more rows than the dataset row limit are a 422. Default:
            AppendDatasetRowsJsonRowsAppendFillMissing.NONE.
        timestamps (list[str] | None | Unset): Optional ISO 8601 timestamps, one per row (2024-01-31,
            2024-01-31T12:00:00Z, or 2024-01 for monthly data); kept as given. Rows are sorted by time within each series; a
            timestamp twice in one series is refused.
        series (list[str] | None | Unset): Optional series id per row (long format: many series in one dataset). Rows
            are grouped by series, in order of first appearance.
        on_conflict (AppendDatasetRowsJsonRowsAppendOnConflict | Unset): A row whose (series, timestamp) the dataset
            already holds: `error` (409 naming it) or `replace` (its values are replaced). Default:
            AppendDatasetRowsJsonRowsAppendOnConflict.ERROR.
    """

    columns: AppendDatasetRowsJsonRowsAppendColumns
    fill_missing: AppendDatasetRowsJsonRowsAppendFillMissing | Unset = (
        AppendDatasetRowsJsonRowsAppendFillMissing.NONE
    )
    timestamps: list[str] | None | Unset = UNSET
    series: list[str] | None | Unset = UNSET
    on_conflict: AppendDatasetRowsJsonRowsAppendOnConflict | Unset = (
        AppendDatasetRowsJsonRowsAppendOnConflict.ERROR
    )

    def to_dict(self) -> dict[str, Any]:
        columns = self.columns.to_dict()

        fill_missing: str | Unset = UNSET
        if not isinstance(self.fill_missing, Unset):
            fill_missing = self.fill_missing.value

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

        on_conflict: str | Unset = UNSET
        if not isinstance(self.on_conflict, Unset):
            on_conflict = self.on_conflict.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "columns": columns,
            }
        )
        if fill_missing is not UNSET:
            field_dict["fill_missing"] = fill_missing
        if timestamps is not UNSET:
            field_dict["timestamps"] = timestamps
        if series is not UNSET:
            field_dict["series"] = series
        if on_conflict is not UNSET:
            field_dict["on_conflict"] = on_conflict

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.append_dataset_rows_json_rows_append_columns import (
            AppendDatasetRowsJsonRowsAppendColumns,
        )

        d = dict(src_dict)
        columns = AppendDatasetRowsJsonRowsAppendColumns.from_dict(d.pop("columns"))

        _fill_missing = d.pop("fill_missing", UNSET)
        fill_missing: AppendDatasetRowsJsonRowsAppendFillMissing | Unset
        if isinstance(_fill_missing, Unset):
            fill_missing = UNSET
        else:
            fill_missing = AppendDatasetRowsJsonRowsAppendFillMissing(_fill_missing)

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

        _on_conflict = d.pop("on_conflict", UNSET)
        on_conflict: AppendDatasetRowsJsonRowsAppendOnConflict | Unset
        if isinstance(_on_conflict, Unset):
            on_conflict = UNSET
        else:
            on_conflict = AppendDatasetRowsJsonRowsAppendOnConflict(_on_conflict)

        append_dataset_rows_json_rows_append = cls(
            columns=columns,
            fill_missing=fill_missing,
            timestamps=timestamps,
            series=series,
            on_conflict=on_conflict,
        )

        return append_dataset_rows_json_rows_append
