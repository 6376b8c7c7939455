from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="StreamObserve")


@_attrs_define
class StreamObserve:
    """
    Attributes:
        values (list[float | list[float]]): One or more new observations, oldest first: [rows][n_features] raw values in
            the model's feature order ([rows] for a single-feature model).
        future (list[float | list[float]] | None | Unset): Known-future covariates over the horizon after these
            observations: [horizon][n_future] raw values in the version's `future_columns` order ([horizon] for a single
            column). Required when the version has future columns; refused otherwise.
    """

    values: list[float | list[float]]
    future: list[float | list[float]] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        values = []
        for values_item_data in self.values:
            values_item: float | list[float]
            if isinstance(values_item_data, list):
                values_item = values_item_data

            else:
                values_item = values_item_data
            values.append(values_item)

        future: list[float | list[float]] | None | Unset
        if isinstance(self.future, Unset):
            future = UNSET
        elif isinstance(self.future, list):
            future = []
            for future_type_0_item_data in self.future:
                future_type_0_item: float | list[float]
                if isinstance(future_type_0_item_data, list):
                    future_type_0_item = future_type_0_item_data

                else:
                    future_type_0_item = future_type_0_item_data
                future.append(future_type_0_item)

        else:
            future = self.future

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "values": values,
            }
        )
        if future is not UNSET:
            field_dict["future"] = future

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

        def _parse_future(data: object) -> list[float | list[float]] | None | Unset:
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

                    def _parse_future_type_0_item(data: object) -> float | list[float]:
                        try:
                            if not isinstance(data, list):
                                raise TypeError()
                            future_type_0_item_type_1 = cast(list[float], data)

                            return future_type_0_item_type_1
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        return cast(float | list[float], data)

                    future_type_0_item = _parse_future_type_0_item(future_type_0_item_data)

                    future_type_0.append(future_type_0_item)

                return future_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[float | list[float]] | None | Unset, data)

        future = _parse_future(d.pop("future", UNSET))

        stream_observe = cls(
            values=values,
            future=future,
        )

        return stream_observe
