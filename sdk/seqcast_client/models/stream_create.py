from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="StreamCreate")


@_attrs_define
class StreamCreate:
    """
    Attributes:
        model (str): Model name.
        version (int | None | Unset): A version number; or give `alias`.
        alias (None | str | Unset): An alias, resolved now: the stream stays on that version when the alias moves later.
            Default: the latest version.
        history (list[float] | list[list[float]] | None | Unset): Warm-up observations, oldest first: [rows][n_features]
            raw values in the model's feature order ([rows] for a single-feature model).
        series_id (None | str | Unset): The series the stream continues (one of the version's series): a version with
            static covariates looks them up by it, and without `last_timestamp` the history is taken to end where the
            series' training data ended.
        last_timestamp (None | str | Unset): The timestamp of the last history row (ISO 8601; without history, of the
            row before the first observation). It moves one step of the version's frequency per observation and dates the
            forecast; a version with calendar features needs it or `series_id`.
        future (list[float] | list[list[float]] | None | Unset): With `history`, for a version with known-future
            columns: their raw values over the horizon after the history, [horizon][n_future] in `future_columns` order.
    """

    model: str
    version: int | None | Unset = UNSET
    alias: None | str | Unset = UNSET
    history: list[float] | list[list[float]] | None | Unset = UNSET
    series_id: None | str | Unset = UNSET
    last_timestamp: None | str | Unset = UNSET
    future: list[float] | list[list[float]] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        model = self.model

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

        history: list[float] | list[list[float]] | None | Unset
        if isinstance(self.history, Unset):
            history = UNSET
        elif isinstance(self.history, list):
            history = []
            for history_type_0_item_data in self.history:
                history_type_0_item = history_type_0_item_data

                history.append(history_type_0_item)

        elif isinstance(self.history, list):
            history = self.history

        else:
            history = self.history

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

        future: list[float] | list[list[float]] | None | Unset
        if isinstance(self.future, Unset):
            future = UNSET
        elif isinstance(self.future, list):
            future = []
            for future_type_0_item_data in self.future:
                future_type_0_item = future_type_0_item_data

                future.append(future_type_0_item)

        elif isinstance(self.future, list):
            future = self.future

        else:
            future = self.future

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "model": model,
            }
        )
        if version is not UNSET:
            field_dict["version"] = version
        if alias is not UNSET:
            field_dict["alias"] = alias
        if history is not UNSET:
            field_dict["history"] = history
        if series_id is not UNSET:
            field_dict["series_id"] = series_id
        if last_timestamp is not UNSET:
            field_dict["last_timestamp"] = last_timestamp
        if future is not UNSET:
            field_dict["future"] = future

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        model = d.pop("model")

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

        def _parse_history(data: object) -> list[float] | list[list[float]] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                history_type_0 = []
                _history_type_0 = data
                for history_type_0_item_data in _history_type_0:
                    history_type_0_item = cast(list[float], history_type_0_item_data)

                    history_type_0.append(history_type_0_item)

                return history_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, list):
                    raise TypeError()
                history_type_1 = cast(list[float], data)

                return history_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[float] | list[list[float]] | None | Unset, data)

        history = _parse_history(d.pop("history", UNSET))

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

        def _parse_future(data: object) -> list[float] | list[list[float]] | None | Unset:
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
                    future_type_0_item = cast(list[float], future_type_0_item_data)

                    future_type_0.append(future_type_0_item)

                return future_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, list):
                    raise TypeError()
                future_type_1 = cast(list[float], data)

                return future_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[float] | list[list[float]] | None | Unset, data)

        future = _parse_future(d.pop("future", UNSET))

        stream_create = cls(
            model=model,
            version=version,
            alias=alias,
            history=history,
            series_id=series_id,
            last_timestamp=last_timestamp,
            future=future,
        )

        return stream_create
