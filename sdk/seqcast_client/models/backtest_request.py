from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="BacktestRequest")


@_attrs_define
class BacktestRequest:
    """
    Attributes:
        model (str): Model name.
        version (int | None | Unset): A version number; or give `alias`.
        alias (None | str | Unset): An alias; default: the latest version.
        folds (int | Unset): Forecast origins per series. Default: 5.
        stride (int | None | Unset): Rows between origins; default: the horizon.
    """

    model: str
    version: int | None | Unset = UNSET
    alias: None | str | Unset = UNSET
    folds: int | Unset = 5
    stride: int | None | Unset = UNSET

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

        folds = self.folds

        stride: int | None | Unset
        if isinstance(self.stride, Unset):
            stride = UNSET
        else:
            stride = self.stride

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
        if folds is not UNSET:
            field_dict["folds"] = folds
        if stride is not UNSET:
            field_dict["stride"] = stride

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

        folds = d.pop("folds", UNSET)

        def _parse_stride(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        stride = _parse_stride(d.pop("stride", UNSET))

        backtest_request = cls(
            model=model,
            version=version,
            alias=alias,
            folds=folds,
            stride=stride,
        )

        return backtest_request
