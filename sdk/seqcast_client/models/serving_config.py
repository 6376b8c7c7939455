from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="ServingConfig")


@_attrs_define
class ServingConfig:
    """Per-model batching overrides; a field left out keeps the server default.

    Attributes:
        max_batch_size (int | None | Unset): Rows per run.
        max_queue_delay_ms (float | None | Unset): Wait for a fuller batch while a run slot is free.
        max_queue_size (int | None | Unset): Queued rows before requests get 503.
        max_concurrent_runs (int | None | Unset): Runs at once.
    """

    max_batch_size: int | None | Unset = UNSET
    max_queue_delay_ms: float | None | Unset = UNSET
    max_queue_size: int | None | Unset = UNSET
    max_concurrent_runs: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        max_batch_size: int | None | Unset
        if isinstance(self.max_batch_size, Unset):
            max_batch_size = UNSET
        else:
            max_batch_size = self.max_batch_size

        max_queue_delay_ms: float | None | Unset
        if isinstance(self.max_queue_delay_ms, Unset):
            max_queue_delay_ms = UNSET
        else:
            max_queue_delay_ms = self.max_queue_delay_ms

        max_queue_size: int | None | Unset
        if isinstance(self.max_queue_size, Unset):
            max_queue_size = UNSET
        else:
            max_queue_size = self.max_queue_size

        max_concurrent_runs: int | None | Unset
        if isinstance(self.max_concurrent_runs, Unset):
            max_concurrent_runs = UNSET
        else:
            max_concurrent_runs = self.max_concurrent_runs

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if max_batch_size is not UNSET:
            field_dict["max_batch_size"] = max_batch_size
        if max_queue_delay_ms is not UNSET:
            field_dict["max_queue_delay_ms"] = max_queue_delay_ms
        if max_queue_size is not UNSET:
            field_dict["max_queue_size"] = max_queue_size
        if max_concurrent_runs is not UNSET:
            field_dict["max_concurrent_runs"] = max_concurrent_runs

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_max_batch_size(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_batch_size = _parse_max_batch_size(d.pop("max_batch_size", UNSET))

        def _parse_max_queue_delay_ms(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        max_queue_delay_ms = _parse_max_queue_delay_ms(d.pop("max_queue_delay_ms", UNSET))

        def _parse_max_queue_size(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_queue_size = _parse_max_queue_size(d.pop("max_queue_size", UNSET))

        def _parse_max_concurrent_runs(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_concurrent_runs = _parse_max_concurrent_runs(d.pop("max_concurrent_runs", UNSET))

        serving_config = cls(
            max_batch_size=max_batch_size,
            max_queue_delay_ms=max_queue_delay_ms,
            max_queue_size=max_queue_size,
            max_concurrent_runs=max_concurrent_runs,
        )

        return serving_config
