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
    """

    model: str
    version: int | None | Unset = UNSET
    alias: None | str | Unset = UNSET
    history: list[float] | list[list[float]] | None | Unset = UNSET

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

        stream_create = cls(
            model=model,
            version=version,
            alias=alias,
            history=history,
        )

        return stream_create
