from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.forecast_request_format import ForecastRequestFormat
from ..types import UNSET, Unset

T = TypeVar("T", bound="ForecastRequest")


@_attrs_define
class ForecastRequest:
    """
    Attributes:
        model (str): Model name.
        dataset_id (str): The dataset whose series are forecast (any dataset with the columns the version reads, not
            only the one it was trained on).
        version (int | None | Unset): A version number; or give `alias`.
        alias (None | str | Unset): An alias; default: the latest version.
        series (list[str] | None | Unset): A subset of the dataset's series ids; default: every series. The file lists
            them in the dataset's order.
        future_dataset_id (None | str | Unset): For a version with known-future columns: a dataset holding them for the
            forecast's horizon, each selected series' first `horizon` rows being the steps after its last row in
            `dataset_id` (their timestamps must follow on when both are dated).
        format_ (ForecastRequestFormat | Unset): The result file's format (json: JSON lines). Default:
            ForecastRequestFormat.PARQUET.
        chunk_size (int | Unset): Series per chunk task: a dataset with more series is forecast by several workers at
            once, and the chunks are merged into the one file in series order. At most 256 chunks: a smaller size is raised
            to fit. Default: 2000.
    """

    model: str
    dataset_id: str
    version: int | None | Unset = UNSET
    alias: None | str | Unset = UNSET
    series: list[str] | None | Unset = UNSET
    future_dataset_id: None | str | Unset = UNSET
    format_: ForecastRequestFormat | Unset = ForecastRequestFormat.PARQUET
    chunk_size: int | Unset = 2000

    def to_dict(self) -> dict[str, Any]:
        model = self.model

        dataset_id = self.dataset_id

        version: int | None | Unset
        if isinstance(self.version, Unset):
            version = UNSET
        else:
            version = self.version

        alias: None | str | Unset
        if isinstance(self.alias, Unset):
            alias = UNSET
        else:
            alias = self.alias

        series: list[str] | None | Unset
        if isinstance(self.series, Unset):
            series = UNSET
        elif isinstance(self.series, list):
            series = self.series

        else:
            series = self.series

        future_dataset_id: None | str | Unset
        if isinstance(self.future_dataset_id, Unset):
            future_dataset_id = UNSET
        else:
            future_dataset_id = self.future_dataset_id

        format_: str | Unset = UNSET
        if not isinstance(self.format_, Unset):
            format_ = self.format_.value

        chunk_size = self.chunk_size

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "model": model,
                "dataset_id": dataset_id,
            }
        )
        if version is not UNSET:
            field_dict["version"] = version
        if alias is not UNSET:
            field_dict["alias"] = alias
        if series is not UNSET:
            field_dict["series"] = series
        if future_dataset_id is not UNSET:
            field_dict["future_dataset_id"] = future_dataset_id
        if format_ is not UNSET:
            field_dict["format"] = format_
        if chunk_size is not UNSET:
            field_dict["chunk_size"] = chunk_size

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        model = d.pop("model")

        dataset_id = d.pop("dataset_id")

        def _parse_version(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        version = _parse_version(d.pop("version", UNSET))

        def _parse_alias(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        alias = _parse_alias(d.pop("alias", UNSET))

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

        def _parse_future_dataset_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        future_dataset_id = _parse_future_dataset_id(d.pop("future_dataset_id", UNSET))

        _format_ = d.pop("format", UNSET)
        format_: ForecastRequestFormat | Unset
        if isinstance(_format_, Unset):
            format_ = UNSET
        else:
            format_ = ForecastRequestFormat(_format_)

        chunk_size = d.pop("chunk_size", UNSET)

        forecast_request = cls(
            model=model,
            dataset_id=dataset_id,
            version=version,
            alias=alias,
            series=series,
            future_dataset_id=future_dataset_id,
            format_=format_,
            chunk_size=chunk_size,
        )

        return forecast_request
