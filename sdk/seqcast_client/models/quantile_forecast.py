from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="QuantileForecast")


@_attrs_define
class QuantileForecast:
    """
    Attributes:
        levels (list[float]): The quantile levels, ascending; 0.5 is among them and its values are `predictions`.
        values (list[list[list[list[float]]]]): [batch][horizon][n_targets][n_levels] in raw units, non-decreasing along
            the levels.
    """

    levels: list[float]
    values: list[list[list[list[float]]]]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        levels = self.levels

        values = []
        for values_item_data in self.values:
            values_item = []
            for values_item_item_data in values_item_data:
                values_item_item = []
                for values_item_item_item_data in values_item_item_data:
                    values_item_item_item = values_item_item_item_data

                    values_item_item.append(values_item_item_item)

                values_item.append(values_item_item)

            values.append(values_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "levels": levels,
                "values": values,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        levels = cast(list[float], d.pop("levels"))

        values = []
        _values = d.pop("values")
        for values_item_data in _values:
            values_item = []
            _values_item = values_item_data
            for values_item_item_data in _values_item:
                values_item_item = []
                _values_item_item = values_item_item_data
                for values_item_item_item_data in _values_item_item:
                    values_item_item_item = cast(list[float], values_item_item_item_data)

                    values_item_item.append(values_item_item_item)

                values_item.append(values_item_item)

            values.append(values_item)

        quantile_forecast = cls(
            levels=levels,
            values=values,
        )

        quantile_forecast.additional_properties = d
        return quantile_forecast

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
