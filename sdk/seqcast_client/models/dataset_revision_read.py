from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.series_summary import SeriesSummary


T = TypeVar("T", bound="DatasetRevisionRead")


@_attrs_define
class DatasetRevisionRead:
    """One stored revision: what the dataset was after it was made.

    Attributes:
        revision (int):
        sha256 (str):
        n_rows (int):
        n_series (int):
        frequency (None | str):
        size_bytes (int): Bytes of this revision's stored file.
        appended_rows (int): Rows this revision added (all of them for 1).
        replaced_rows (int):
        series (list[SeriesSummary]): The first 100 series of this revision; GET /datasets/{id}/series?revision= pages
            through all.
        created_at (datetime.datetime):
    """

    revision: int
    sha256: str
    n_rows: int
    n_series: int
    frequency: None | str
    size_bytes: int
    appended_rows: int
    replaced_rows: int
    series: list[SeriesSummary]
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        revision = self.revision

        sha256 = self.sha256

        n_rows = self.n_rows

        n_series = self.n_series

        frequency: None | str
        frequency = self.frequency

        size_bytes = self.size_bytes

        appended_rows = self.appended_rows

        replaced_rows = self.replaced_rows

        series = []
        for series_item_data in self.series:
            series_item = series_item_data.to_dict()
            series.append(series_item)

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "revision": revision,
                "sha256": sha256,
                "n_rows": n_rows,
                "n_series": n_series,
                "frequency": frequency,
                "size_bytes": size_bytes,
                "appended_rows": appended_rows,
                "replaced_rows": replaced_rows,
                "series": series,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.series_summary import SeriesSummary

        d = dict(src_dict)
        revision = d.pop("revision")

        sha256 = d.pop("sha256")

        n_rows = d.pop("n_rows")

        n_series = d.pop("n_series")

        def _parse_frequency(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        frequency = _parse_frequency(d.pop("frequency"))

        size_bytes = d.pop("size_bytes")

        appended_rows = d.pop("appended_rows")

        replaced_rows = d.pop("replaced_rows")

        series = []
        _series = d.pop("series")
        for series_item_data in _series:
            series_item = SeriesSummary.from_dict(series_item_data)

            series.append(series_item)

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        dataset_revision_read = cls(
            revision=revision,
            sha256=sha256,
            n_rows=n_rows,
            n_series=n_series,
            frequency=frequency,
            size_bytes=size_bytes,
            appended_rows=appended_rows,
            replaced_rows=replaced_rows,
            series=series,
            created_at=created_at,
        )

        dataset_revision_read.additional_properties = d
        return dataset_revision_read

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
