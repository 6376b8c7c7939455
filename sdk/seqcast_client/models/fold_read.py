from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.fold_read_origin_timestamps_type_0 import FoldReadOriginTimestampsType0
    from ..models.fold_read_origins import FoldReadOrigins
    from ..models.metric_set import MetricSet


T = TypeVar("T", bound="FoldRead")


@_attrs_define
class FoldRead:
    """
    Attributes:
        fold (int): 1 = the oldest origin.
        origins (FoldReadOrigins): Series id → the first forecast row, counted from the series start (a dataset without
            a series column is one series, "").
        held_out (bool): Every forecast row lies in the version's validation part, which it was not fitted on; earlier
            folds overlap its training rows.
        model (MetricSet):
        seasonal_naive (MetricSet):
        beats_seasonal_naive (bool):
        origin_timestamps (FoldReadOriginTimestampsType0 | None | Unset): Series id → the timestamp of that row, when
            the dataset has them.
    """

    fold: int
    origins: FoldReadOrigins
    held_out: bool
    model: MetricSet
    seasonal_naive: MetricSet
    beats_seasonal_naive: bool
    origin_timestamps: FoldReadOriginTimestampsType0 | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.fold_read_origin_timestamps_type_0 import FoldReadOriginTimestampsType0

        fold = self.fold

        origins = self.origins.to_dict()

        held_out = self.held_out

        model = self.model.to_dict()

        seasonal_naive = self.seasonal_naive.to_dict()

        beats_seasonal_naive = self.beats_seasonal_naive

        origin_timestamps: dict[str, Any] | None | Unset
        if isinstance(self.origin_timestamps, Unset):
            origin_timestamps = UNSET
        elif isinstance(self.origin_timestamps, FoldReadOriginTimestampsType0):
            origin_timestamps = self.origin_timestamps.to_dict()
        else:
            origin_timestamps = self.origin_timestamps

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "fold": fold,
                "origins": origins,
                "held_out": held_out,
                "model": model,
                "seasonal_naive": seasonal_naive,
                "beats_seasonal_naive": beats_seasonal_naive,
            }
        )
        if origin_timestamps is not UNSET:
            field_dict["origin_timestamps"] = origin_timestamps

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.fold_read_origin_timestamps_type_0 import FoldReadOriginTimestampsType0
        from ..models.fold_read_origins import FoldReadOrigins
        from ..models.metric_set import MetricSet

        d = dict(src_dict)
        fold = d.pop("fold")

        origins = FoldReadOrigins.from_dict(d.pop("origins"))

        held_out = d.pop("held_out")

        model = MetricSet.from_dict(d.pop("model"))

        seasonal_naive = MetricSet.from_dict(d.pop("seasonal_naive"))

        beats_seasonal_naive = d.pop("beats_seasonal_naive")

        def _parse_origin_timestamps(data: object) -> FoldReadOriginTimestampsType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                origin_timestamps_type_0 = FoldReadOriginTimestampsType0.from_dict(data)

                return origin_timestamps_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(FoldReadOriginTimestampsType0 | None | Unset, data)

        origin_timestamps = _parse_origin_timestamps(d.pop("origin_timestamps", UNSET))

        fold_read = cls(
            fold=fold,
            origins=origins,
            held_out=held_out,
            model=model,
            seasonal_naive=seasonal_naive,
            beats_seasonal_naive=beats_seasonal_naive,
            origin_timestamps=origin_timestamps,
        )

        fold_read.additional_properties = d
        return fold_read

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
