from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.quantile_forecast import QuantileForecast


T = TypeVar("T", bound="PredictResponse")


@_attrs_define
class PredictResponse:
    """
    Attributes:
        model (str):
        version (int):
        predictions (list[list[list[float]]]): [batch][horizon][n_targets] in the model's target order, raw units.
        target_columns (list[str]):
        quantiles (None | QuantileForecast): The quantile forecasts; null when the version was trained without
            quantiles.
        timestamps (list[list[str]] | None): [batch][horizon] timestamps of the forecast steps, in the style of the
            data's own; null unless the version was trained on timestamped data and the request gave `last_timestamp` or
            `series_id`.
    """

    model: str
    version: int
    predictions: list[list[list[float]]]
    target_columns: list[str]
    quantiles: None | QuantileForecast
    timestamps: list[list[str]] | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.quantile_forecast import QuantileForecast

        model = self.model

        version = self.version

        predictions = []
        for predictions_item_data in self.predictions:
            predictions_item = []
            for predictions_item_item_data in predictions_item_data:
                predictions_item_item = predictions_item_item_data

                predictions_item.append(predictions_item_item)

            predictions.append(predictions_item)

        target_columns = self.target_columns

        quantiles: dict[str, Any] | None
        if isinstance(self.quantiles, QuantileForecast):
            quantiles = self.quantiles.to_dict()
        else:
            quantiles = self.quantiles

        timestamps: list[list[str]] | None
        if isinstance(self.timestamps, list):
            timestamps = []
            for timestamps_type_0_item_data in self.timestamps:
                timestamps_type_0_item = timestamps_type_0_item_data

                timestamps.append(timestamps_type_0_item)

        else:
            timestamps = self.timestamps

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "model": model,
                "version": version,
                "predictions": predictions,
                "target_columns": target_columns,
                "quantiles": quantiles,
                "timestamps": timestamps,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.quantile_forecast import QuantileForecast

        d = dict(src_dict)
        model = d.pop("model")

        version = d.pop("version")

        predictions = []
        _predictions = d.pop("predictions")
        for predictions_item_data in _predictions:
            predictions_item = []
            _predictions_item = predictions_item_data
            for predictions_item_item_data in _predictions_item:
                predictions_item_item = cast(list[float], predictions_item_item_data)

                predictions_item.append(predictions_item_item)

            predictions.append(predictions_item)

        target_columns = cast(list[str], d.pop("target_columns"))

        def _parse_quantiles(data: object) -> None | QuantileForecast:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                quantiles_type_0 = QuantileForecast.from_dict(data)

                return quantiles_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | QuantileForecast, data)

        quantiles = _parse_quantiles(d.pop("quantiles"))

        def _parse_timestamps(data: object) -> list[list[str]] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                timestamps_type_0 = []
                _timestamps_type_0 = data
                for timestamps_type_0_item_data in _timestamps_type_0:
                    timestamps_type_0_item = cast(list[str], timestamps_type_0_item_data)

                    timestamps_type_0.append(timestamps_type_0_item)

                return timestamps_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[list[str]] | None, data)

        timestamps = _parse_timestamps(d.pop("timestamps"))

        predict_response = cls(
            model=model,
            version=version,
            predictions=predictions,
            target_columns=target_columns,
            quantiles=quantiles,
            timestamps=timestamps,
        )

        predict_response.additional_properties = d
        return predict_response

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
