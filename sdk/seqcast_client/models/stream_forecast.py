from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.stream_forecast_mode import StreamForecastMode
from ..types import UNSET, Unset

T = TypeVar("T", bound="StreamForecast")


@_attrs_define
class StreamForecast:
    """
    Attributes:
        id (str):
        model (str):
        version (int): The version the stream is pinned to.
        mode (StreamForecastMode): step: the server keeps the recurrent state and an observation costs one step of the
            model; window: the server keeps the last input_length observations and runs the window model on them
            (Transformers, instance-normalized models).
        observations (int): Observations so far, warm-up history included.
        sequence (int): Observe calls applied so far (0 after create): the order in which concurrent observes on the
            stream were applied.
        feature_columns (list[str]):
        target_columns (list[str]):
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        expires_at (datetime.datetime): Dropped then unless observed again before.
        forecast (list[list[float]] | None): [horizon][n_targets] from the updated state, raw units, in the model's
            target order; null before the first observation.
        series_id (None | str | Unset): The series the stream continues.
        last_timestamp (None | str | Unset): The timestamp of the latest observation; null when undated.
        quantiles (list[list[list[float]]] | None | Unset): [horizon][n_targets][n_quantiles], levels in quantile_levels
            order, when the version was trained with quantiles (step mode).
        quantile_levels (list[float] | None | Unset):
        timestamps (list[str] | None | Unset): [horizon] timestamps of the forecast steps, when the stream is dated
            (created with `series_id` or `last_timestamp` on a version trained on timestamps).
    """

    id: str
    model: str
    version: int
    mode: StreamForecastMode
    observations: int
    sequence: int
    feature_columns: list[str]
    target_columns: list[str]
    created_at: datetime.datetime
    updated_at: datetime.datetime
    expires_at: datetime.datetime
    forecast: list[list[float]] | None
    series_id: None | str | Unset = UNSET
    last_timestamp: None | str | Unset = UNSET
    quantiles: list[list[list[float]]] | None | Unset = UNSET
    quantile_levels: list[float] | None | Unset = UNSET
    timestamps: list[str] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        model = self.model

        version = self.version

        mode = self.mode.value

        observations = self.observations

        sequence = self.sequence

        feature_columns = self.feature_columns

        target_columns = self.target_columns

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        expires_at = self.expires_at.isoformat()

        forecast: list[list[float]] | None
        if isinstance(self.forecast, list):
            forecast = []
            for forecast_type_0_item_data in self.forecast:
                forecast_type_0_item = forecast_type_0_item_data

                forecast.append(forecast_type_0_item)

        else:
            forecast = self.forecast

        series_id: None | str | Unset
        if isinstance(self.series_id, Unset):
            series_id = UNSET
        else:
            series_id = self.series_id

        last_timestamp: None | str | Unset
        if isinstance(self.last_timestamp, Unset):
            last_timestamp = UNSET
        else:
            last_timestamp = self.last_timestamp

        quantiles: list[list[list[float]]] | None | Unset
        if isinstance(self.quantiles, Unset):
            quantiles = UNSET
        elif isinstance(self.quantiles, list):
            quantiles = []
            for quantiles_type_0_item_data in self.quantiles:
                quantiles_type_0_item = []
                for quantiles_type_0_item_item_data in quantiles_type_0_item_data:
                    quantiles_type_0_item_item = quantiles_type_0_item_item_data

                    quantiles_type_0_item.append(quantiles_type_0_item_item)

                quantiles.append(quantiles_type_0_item)

        else:
            quantiles = self.quantiles

        quantile_levels: list[float] | None | Unset
        if isinstance(self.quantile_levels, Unset):
            quantile_levels = UNSET
        elif isinstance(self.quantile_levels, list):
            quantile_levels = self.quantile_levels

        else:
            quantile_levels = self.quantile_levels

        timestamps: list[str] | None | Unset
        if isinstance(self.timestamps, Unset):
            timestamps = UNSET
        elif isinstance(self.timestamps, list):
            timestamps = self.timestamps

        else:
            timestamps = self.timestamps

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "model": model,
                "version": version,
                "mode": mode,
                "observations": observations,
                "sequence": sequence,
                "feature_columns": feature_columns,
                "target_columns": target_columns,
                "created_at": created_at,
                "updated_at": updated_at,
                "expires_at": expires_at,
                "forecast": forecast,
            }
        )
        if series_id is not UNSET:
            field_dict["series_id"] = series_id
        if last_timestamp is not UNSET:
            field_dict["last_timestamp"] = last_timestamp
        if quantiles is not UNSET:
            field_dict["quantiles"] = quantiles
        if quantile_levels is not UNSET:
            field_dict["quantile_levels"] = quantile_levels
        if timestamps is not UNSET:
            field_dict["timestamps"] = timestamps

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = d.pop("id")

        model = d.pop("model")

        version = d.pop("version")

        mode = StreamForecastMode(d.pop("mode"))

        observations = d.pop("observations")

        sequence = d.pop("sequence")

        feature_columns = cast(list[str], d.pop("feature_columns"))

        target_columns = cast(list[str], d.pop("target_columns"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        def _parse_forecast(data: object) -> list[list[float]] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                forecast_type_0 = []
                _forecast_type_0 = data
                for forecast_type_0_item_data in _forecast_type_0:
                    forecast_type_0_item = cast(list[float], forecast_type_0_item_data)

                    forecast_type_0.append(forecast_type_0_item)

                return forecast_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[list[float]] | None, data)

        forecast = _parse_forecast(d.pop("forecast"))

        def _parse_series_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        series_id = _parse_series_id(d.pop("series_id", UNSET))

        def _parse_last_timestamp(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_timestamp = _parse_last_timestamp(d.pop("last_timestamp", UNSET))

        def _parse_quantiles(data: object) -> list[list[list[float]]] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                quantiles_type_0 = []
                _quantiles_type_0 = data
                for quantiles_type_0_item_data in _quantiles_type_0:
                    quantiles_type_0_item = []
                    _quantiles_type_0_item = quantiles_type_0_item_data
                    for quantiles_type_0_item_item_data in _quantiles_type_0_item:
                        quantiles_type_0_item_item = cast(
                            list[float], quantiles_type_0_item_item_data
                        )

                        quantiles_type_0_item.append(quantiles_type_0_item_item)

                    quantiles_type_0.append(quantiles_type_0_item)

                return quantiles_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[list[list[float]]] | None | Unset, data)

        quantiles = _parse_quantiles(d.pop("quantiles", UNSET))

        def _parse_quantile_levels(data: object) -> list[float] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                quantile_levels_type_0 = cast(list[float], data)

                return quantile_levels_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[float] | None | Unset, data)

        quantile_levels = _parse_quantile_levels(d.pop("quantile_levels", UNSET))

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

        stream_forecast = cls(
            id=id,
            model=model,
            version=version,
            mode=mode,
            observations=observations,
            sequence=sequence,
            feature_columns=feature_columns,
            target_columns=target_columns,
            created_at=created_at,
            updated_at=updated_at,
            expires_at=expires_at,
            forecast=forecast,
            series_id=series_id,
            last_timestamp=last_timestamp,
            quantiles=quantiles,
            quantile_levels=quantile_levels,
            timestamps=timestamps,
        )

        stream_forecast.additional_properties = d
        return stream_forecast

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
