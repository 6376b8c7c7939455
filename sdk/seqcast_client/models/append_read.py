from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.append_read_filled import AppendReadFilled
    from ..models.series_summary import SeriesSummary


T = TypeVar("T", bound="AppendRead")


@_attrs_define
class AppendRead:
    """The dataset after an append: its new revision, and what the rows did.

    Attributes:
        id (str):
        name (str):
        n_rows (int): Row count, over all series.
        columns (list[str]): Value columns (targets and covariates).
        has_timestamps (bool):
        frequency (None | str): Time step inferred from the timestamps, as a pandas-style alias: D, h, 15min, 7D, ...
            for constant steps; MS/ME (month start/end), QS/QE, YS/YE for calendar steps. None without timestamps, or when
            steps are irregular or series disagree.
        n_series (int): Series in the dataset (1 without a series column).
        series (list[SeriesSummary]): The first 100 series in table order; GET /datasets/{id}/series pages through all
            of them.
        sha256 (str): Content hash of the column names, timestamps, series and values.
        created_at (datetime.datetime):
        appended_rows (int): Rows added (continuing series, new series, and rows filled into gaps).
        replaced_rows (int): Rows whose values were replaced (on_conflict).
        revision (int | Unset): The newest revision (1 on upload, one more per POST /datasets/{id}/rows); the other
            fields describe it. Default: 1.
        filled (AppendReadFilled | Unset): Column → values filled on upload by `fill_missing` (missing values and the
            rows inserted into gaps); empty when no fill was asked for.
    """

    id: str
    name: str
    n_rows: int
    columns: list[str]
    has_timestamps: bool
    frequency: None | str
    n_series: int
    series: list[SeriesSummary]
    sha256: str
    created_at: datetime.datetime
    appended_rows: int
    replaced_rows: int
    revision: int | Unset = 1
    filled: AppendReadFilled | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        name = self.name

        n_rows = self.n_rows

        columns = self.columns

        has_timestamps = self.has_timestamps

        frequency: None | str
        frequency = self.frequency

        n_series = self.n_series

        series = []
        for series_item_data in self.series:
            series_item = series_item_data.to_dict()
            series.append(series_item)

        sha256 = self.sha256

        created_at = self.created_at.isoformat()

        appended_rows = self.appended_rows

        replaced_rows = self.replaced_rows

        revision = self.revision

        filled: dict[str, Any] | Unset = UNSET
        if not isinstance(self.filled, Unset):
            filled = self.filled.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "n_rows": n_rows,
                "columns": columns,
                "has_timestamps": has_timestamps,
                "frequency": frequency,
                "n_series": n_series,
                "series": series,
                "sha256": sha256,
                "created_at": created_at,
                "appended_rows": appended_rows,
                "replaced_rows": replaced_rows,
            }
        )
        if revision is not UNSET:
            field_dict["revision"] = revision
        if filled is not UNSET:
            field_dict["filled"] = filled

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.append_read_filled import AppendReadFilled
        from ..models.series_summary import SeriesSummary

        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        n_rows = d.pop("n_rows")

        columns = cast(list[str], d.pop("columns"))

        has_timestamps = d.pop("has_timestamps")

        def _parse_frequency(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        frequency = _parse_frequency(d.pop("frequency"))

        n_series = d.pop("n_series")

        series = []
        _series = d.pop("series")
        for series_item_data in _series:
            series_item = SeriesSummary.from_dict(series_item_data)

            series.append(series_item)

        sha256 = d.pop("sha256")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        appended_rows = d.pop("appended_rows")

        replaced_rows = d.pop("replaced_rows")

        revision = d.pop("revision", UNSET)

        _filled = d.pop("filled", UNSET)
        filled: AppendReadFilled | Unset
        if isinstance(_filled, Unset):
            filled = UNSET
        else:
            filled = AppendReadFilled.from_dict(_filled)

        append_read = cls(
            id=id,
            name=name,
            n_rows=n_rows,
            columns=columns,
            has_timestamps=has_timestamps,
            frequency=frequency,
            n_series=n_series,
            series=series,
            sha256=sha256,
            created_at=created_at,
            appended_rows=appended_rows,
            replaced_rows=replaced_rows,
            revision=revision,
            filled=filled,
        )

        append_read.additional_properties = d
        return append_read

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
