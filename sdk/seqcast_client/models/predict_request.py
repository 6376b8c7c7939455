from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="PredictRequest")


@_attrs_define
class PredictRequest:
    """
    Attributes:
        model (str): Model name.
        inputs (list[list[float | list[float]]]): [batch][length][n_features] raw values in the model's feature order;
            [batch][length] is accepted for single-feature models. Length may be 1 to 4 × the trained input_length.
        version (int | None | Unset): A version number; or give `alias`.
        alias (None | str | Unset): An alias; default: the latest version.
        series_id (list[str] | None | str | Unset): The series each window belongs to: one id for every window, or a
            list with one id per window; each must be one of the version's series (a 422 names an unknown one). Without
            `last_timestamp`, a window is taken to end where its series' training data ended, and the forecast is dated from
            there.
        last_timestamp (list[str] | None | str | Unset): The timestamp of each window's last row (ISO 8601; one for
            every window, or a list with one per window): the forecast is dated from it. Only for versions trained on
            timestamped data (a 422 otherwise).
        future (list[list[float | list[float]]] | None | Unset): Known-future covariates over the forecast's horizon:
            [batch][horizon][n_future] raw values in the version's `future_columns` order, one block per window
            ([batch][horizon] for a single column). Required when the version has future columns; refused otherwise.
        record (bool | Unset): Store the forecast for live accuracy: when rows of the version's training dataset arrive
            for these timestamps (POST /datasets/{id}/rows), each step is scored against them and against the seasonal-naive
            forecast from the same window (GET /models/{name}/versions/{v}/accuracy). Needs series_id and a version trained
            on timestamped data (a 422 naming `record` otherwise). Default: False.
    """

    model: str
    inputs: list[list[float | list[float]]]
    version: int | None | Unset = UNSET
    alias: None | str | Unset = UNSET
    series_id: list[str] | None | str | Unset = UNSET
    last_timestamp: list[str] | None | str | Unset = UNSET
    future: list[list[float | list[float]]] | None | Unset = UNSET
    record: bool | Unset = False

    def to_dict(self) -> dict[str, Any]:
        model = self.model

        inputs = []
        for inputs_item_data in self.inputs:
            inputs_item = []
            for inputs_item_item_data in inputs_item_data:
                inputs_item_item: float | list[float]
                if isinstance(inputs_item_item_data, list):
                    inputs_item_item = inputs_item_item_data

                else:
                    inputs_item_item = inputs_item_item_data
                inputs_item.append(inputs_item_item)

            inputs.append(inputs_item)

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

        series_id: list[str] | None | str | Unset
        if isinstance(self.series_id, Unset):
            series_id = UNSET
        elif isinstance(self.series_id, list):
            series_id = self.series_id

        else:
            series_id = self.series_id

        last_timestamp: list[str] | None | str | Unset
        if isinstance(self.last_timestamp, Unset):
            last_timestamp = UNSET
        elif isinstance(self.last_timestamp, list):
            last_timestamp = self.last_timestamp

        else:
            last_timestamp = self.last_timestamp

        future: list[list[float | list[float]]] | None | Unset
        if isinstance(self.future, Unset):
            future = UNSET
        elif isinstance(self.future, list):
            future = []
            for future_type_0_item_data in self.future:
                future_type_0_item = []
                for future_type_0_item_item_data in future_type_0_item_data:
                    future_type_0_item_item: float | list[float]
                    if isinstance(future_type_0_item_item_data, list):
                        future_type_0_item_item = future_type_0_item_item_data

                    else:
                        future_type_0_item_item = future_type_0_item_item_data
                    future_type_0_item.append(future_type_0_item_item)

                future.append(future_type_0_item)

        else:
            future = self.future

        record = self.record

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "model": model,
                "inputs": inputs,
            }
        )
        if version is not UNSET:
            field_dict["version"] = version
        if alias is not UNSET:
            field_dict["alias"] = alias
        if series_id is not UNSET:
            field_dict["series_id"] = series_id
        if last_timestamp is not UNSET:
            field_dict["last_timestamp"] = last_timestamp
        if future is not UNSET:
            field_dict["future"] = future
        if record is not UNSET:
            field_dict["record"] = record

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        model = d.pop("model")

        inputs = []
        _inputs = d.pop("inputs")
        for inputs_item_data in _inputs:
            inputs_item = []
            _inputs_item = inputs_item_data
            for inputs_item_item_data in _inputs_item:

                def _parse_inputs_item_item(data: object) -> float | list[float]:
                    try:
                        if not isinstance(data, list):
                            raise TypeError()
                        inputs_item_item_type_1 = cast(list[float], data)

                        return inputs_item_item_type_1
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    return cast(float | list[float], data)

                inputs_item_item = _parse_inputs_item_item(inputs_item_item_data)

                inputs_item.append(inputs_item_item)

            inputs.append(inputs_item)

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

        def _parse_series_id(data: object) -> list[str] | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                series_id_type_1 = cast(list[str], data)

                return series_id_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | str | Unset, data)

        series_id = _parse_series_id(d.pop("series_id", UNSET))

        def _parse_last_timestamp(data: object) -> list[str] | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                last_timestamp_type_1 = cast(list[str], data)

                return last_timestamp_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | str | Unset, data)

        last_timestamp = _parse_last_timestamp(d.pop("last_timestamp", UNSET))

        def _parse_future(data: object) -> list[list[float | list[float]]] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                future_type_0 = []
                _future_type_0 = data
                for future_type_0_item_data in _future_type_0:
                    future_type_0_item = []
                    _future_type_0_item = future_type_0_item_data
                    for future_type_0_item_item_data in _future_type_0_item:

                        def _parse_future_type_0_item_item(data: object) -> float | list[float]:
                            try:
                                if not isinstance(data, list):
                                    raise TypeError()
                                future_type_0_item_item_type_1 = cast(list[float], data)

                                return future_type_0_item_item_type_1
                            except (TypeError, ValueError, AttributeError, KeyError):
                                pass
                            return cast(float | list[float], data)

                        future_type_0_item_item = _parse_future_type_0_item_item(
                            future_type_0_item_item_data
                        )

                        future_type_0_item.append(future_type_0_item_item)

                    future_type_0.append(future_type_0_item)

                return future_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[list[float | list[float]]] | None | Unset, data)

        future = _parse_future(d.pop("future", UNSET))

        record = d.pop("record", UNSET)

        predict_request = cls(
            model=model,
            inputs=inputs,
            version=version,
            alias=alias,
            series_id=series_id,
            last_timestamp=last_timestamp,
            future=future,
            record=record,
        )

        return predict_request
