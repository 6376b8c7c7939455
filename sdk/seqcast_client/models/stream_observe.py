from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="StreamObserve")


@_attrs_define
class StreamObserve:
    """
    Attributes:
        values (list[float] | list[list[float]]): One or more new observations, oldest first: [rows][n_features] raw
            values in the model's feature order ([rows] for a single-feature model).
    """

    values: list[float] | list[list[float]]

    def to_dict(self) -> dict[str, Any]:
        values: list[float] | list[list[float]]
        if isinstance(self.values, list):
            values = []
            for values_type_0_item_data in self.values:
                values_type_0_item = values_type_0_item_data

                values.append(values_type_0_item)

        else:
            values = self.values

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

        def _parse_values(data: object) -> list[float] | list[list[float]]:
            try:
                if not isinstance(data, list):
                    raise TypeError()
                values_type_0 = []
                _values_type_0 = data
                for values_type_0_item_data in _values_type_0:
                    values_type_0_item = cast(list[float], values_type_0_item_data)

                    values_type_0.append(values_type_0_item)

                return values_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, list):
                raise TypeError()
            values_type_1 = cast(list[float], data)

            return values_type_1

        values = _parse_values(d.pop("values"))

        stream_observe = cls(
            values=values,
        )

        return stream_observe
