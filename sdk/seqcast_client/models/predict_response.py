from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="PredictResponse")


@_attrs_define
class PredictResponse:
    """
    Attributes:
        model (str):
        version (int):
        predictions (list[list[list[float]]]): [batch][horizon][n_targets] in the model's target order, raw units.
        target_columns (list[str]):
    """

    model: str
    version: int
    predictions: list[list[list[float]]]
    target_columns: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
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

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "model": model,
                "version": version,
                "predictions": predictions,
                "target_columns": target_columns,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
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

        predict_response = cls(
            model=model,
            version=version,
            predictions=predictions,
            target_columns=target_columns,
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
