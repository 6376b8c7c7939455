from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types
from ..models.append_dataset_rows_files_rows_upload_fill_missing import (
    AppendDatasetRowsFilesRowsUploadFillMissing,
)
from ..models.append_dataset_rows_files_rows_upload_on_conflict import (
    AppendDatasetRowsFilesRowsUploadOnConflict,
)
from ..types import UNSET, File, Unset

T = TypeVar("T", bound="AppendDatasetRowsFilesRowsUpload")


@_attrs_define
class AppendDatasetRowsFilesRowsUpload:
    """
    Attributes:
        file (File): CSV or Parquet as POST /datasets takes it, with exactly the dataset's columns (and its timestamp
            and series columns when it has them).
        series_column (str | Unset): The column holding series ids, when its name is not one of the recognized ones.
        fill_missing (AppendDatasetRowsFilesRowsUploadFillMissing | Unset): As in the JSON body: empty, NA, NaN and null
            cells (Parquet: nulls and NaN) are missing values. Default: AppendDatasetRowsFilesRowsUploadFillMissing.NONE.
        on_conflict (AppendDatasetRowsFilesRowsUploadOnConflict | Unset): As in the JSON body. Default:
            AppendDatasetRowsFilesRowsUploadOnConflict.ERROR.
    """

    file: File
    series_column: str | Unset = UNSET
    fill_missing: AppendDatasetRowsFilesRowsUploadFillMissing | Unset = (
        AppendDatasetRowsFilesRowsUploadFillMissing.NONE
    )
    on_conflict: AppendDatasetRowsFilesRowsUploadOnConflict | Unset = (
        AppendDatasetRowsFilesRowsUploadOnConflict.ERROR
    )
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        file = self.file.to_tuple()

        series_column = self.series_column

        fill_missing: str | Unset = UNSET
        if not isinstance(self.fill_missing, Unset):
            fill_missing = self.fill_missing.value

        on_conflict: str | Unset = UNSET
        if not isinstance(self.on_conflict, Unset):
            on_conflict = self.on_conflict.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "file": file,
            }
        )
        if series_column is not UNSET:
            field_dict["series_column"] = series_column
        if fill_missing is not UNSET:
            field_dict["fill_missing"] = fill_missing
        if on_conflict is not UNSET:
            field_dict["on_conflict"] = on_conflict

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        files.append(("file", self.file.to_tuple()))

        if not isinstance(self.series_column, Unset):
            files.append(("series_column", (None, str(self.series_column).encode(), "text/plain")))

        if not isinstance(self.fill_missing, Unset):
            files.append(
                ("fill_missing", (None, str(self.fill_missing.value).encode(), "text/plain"))
            )

        if not isinstance(self.on_conflict, Unset):
            files.append(
                ("on_conflict", (None, str(self.on_conflict.value).encode(), "text/plain"))
            )

        for prop_name, prop in self.additional_properties.items():
            files.append((prop_name, (None, str(prop).encode(), "text/plain")))

        return files

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        file = File(payload=BytesIO(d.pop("file")))

        series_column = d.pop("series_column", UNSET)

        _fill_missing = d.pop("fill_missing", UNSET)
        fill_missing: AppendDatasetRowsFilesRowsUploadFillMissing | Unset
        if isinstance(_fill_missing, Unset):
            fill_missing = UNSET
        else:
            fill_missing = AppendDatasetRowsFilesRowsUploadFillMissing(_fill_missing)

        _on_conflict = d.pop("on_conflict", UNSET)
        on_conflict: AppendDatasetRowsFilesRowsUploadOnConflict | Unset
        if isinstance(_on_conflict, Unset):
            on_conflict = UNSET
        else:
            on_conflict = AppendDatasetRowsFilesRowsUploadOnConflict(_on_conflict)

        append_dataset_rows_files_rows_upload = cls(
            file=file,
            series_column=series_column,
            fill_missing=fill_missing,
            on_conflict=on_conflict,
        )

        append_dataset_rows_files_rows_upload.additional_properties = d
        return append_dataset_rows_files_rows_upload

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
