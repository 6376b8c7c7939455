from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="StreamObserve")


@_attrs_define
class StreamObserve:
    """
    Attributes:
        values (list[float | list[float]]): One or more new observations, oldest first: [rows][n_features] raw values in
            the model's feature order ([rows] for a single-feature model).
    """

    values: list[float | list[float]]

    def to_dict(self) -> dict[str, Any]:
        values = []
        for values_item_data in self.values:
            values_item: float | list[float]
            if isinstance(values_item_data, list):
                values_item = values_item_data

            else:
                values_item = values_item_data
            values.append(values_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "values": values,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        values = []
        _values = d.pop("values")
        for values_item_data in _values:

            def _parse_values_item(data: object) -> float | list[float]:
                try:
                    if not isinstance(data, list):
                        raise TypeError()
                    values_item_type_1 = cast(list[float], data)

                    return values_item_type_1
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                return cast(float | list[float], data)

            values_item = _parse_values_item(values_item_data)

            values.append(values_item)

        stream_observe = cls(
            values=values,
        )

        return stream_observe
