from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types
from ..models.dataset_upload_fill_missing import DatasetUploadFillMissing
from ..types import UNSET, File, Unset

T = TypeVar("T", bound="DatasetUpload")


@_attrs_define
class DatasetUpload:
    """
    Attributes:
        file (File): CSV with a header row, or Parquet. A column named timestamp, timestamps, time, date, datetime, ds
            holds ISO 8601 timestamps (in Parquet also a timestamp/date typed column); a column named unique_id, series_id,
            series, item_id, id (or `series_column`) holds series ids: long format, one row per series and timestamp. Every
            other column holds numbers.
        name (str | Unset):
        series_column (str | Unset): The column holding series ids, when its name is not one of the recognized ones.
        fill_missing (DatasetUploadFillMissing | Unset): As in the JSON body: empty, NA, NaN and null cells (Parquet:
            nulls and NaN) are missing values. Default: DatasetUploadFillMissing.NONE.
    """

    file: File
    name: str | Unset = UNSET
    series_column: str | Unset = UNSET
    fill_missing: DatasetUploadFillMissing | Unset = DatasetUploadFillMissing.NONE
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        file = self.file.to_tuple()

        name = self.name

        series_column = self.series_column

        fill_missing: str | Unset = UNSET
        if not isinstance(self.fill_missing, Unset):
            fill_missing = self.fill_missing.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "file": file,
            }
        )
        if name is not UNSET:
            field_dict["name"] = name
        if series_column is not UNSET:
            field_dict["series_column"] = series_column
        if fill_missing is not UNSET:
            field_dict["fill_missing"] = fill_missing

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        files.append(("file", self.file.to_tuple()))

        if not isinstance(self.name, Unset):
            files.append(("name", (None, str(self.name).encode(), "text/plain")))

        if not isinstance(self.series_column, Unset):
            files.append(("series_column", (None, str(self.series_column).encode(), "text/plain")))

        if not isinstance(self.fill_missing, Unset):
            files.append(
                ("fill_missing", (None, str(self.fill_missing.value).encode(), "text/plain"))
            )

        for prop_name, prop in self.additional_properties.items():
            files.append((prop_name, (None, str(prop).encode(), "text/plain")))

        return files

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        file = File(payload=BytesIO(d.pop("file")))

        name = d.pop("name", UNSET)

        series_column = d.pop("series_column", UNSET)

        _fill_missing = d.pop("fill_missing", UNSET)
        fill_missing: DatasetUploadFillMissing | Unset
        if isinstance(_fill_missing, Unset):
            fill_missing = UNSET
        else:
            fill_missing = DatasetUploadFillMissing(_fill_missing)

        dataset_upload = cls(
            file=file,
            name=name,
            series_column=series_column,
            fill_missing=fill_missing,
        )

        dataset_upload.additional_properties = d
        return dataset_upload

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
