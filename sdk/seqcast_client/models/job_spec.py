from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.auto_spec import AutoSpec
    from ..models.hyperparameters import Hyperparameters
    from ..models.warm_start import WarmStart


T = TypeVar("T", bound="JobSpec")


@_attrs_define
class JobSpec:
    """The request as the worker runs it: every default resolved.

    Attributes:
        target_columns (list[str]):
        feature_columns (list[str]):
        input_length (int):
        horizon (int):
        validation_fraction (float):
        season_length (int | None):
        hyperparameters (Hyperparameters): Defaults chosen by measurement (benchmarks/accuracy.py, RESULTS.md "Accuracy
            with
            defaults"): an untuned LSTM or GRU beats seasonal naive on real seasonal series, and a small
            series still trains in seconds to a minute on a CPU.
        quantiles (list[float] | Unset): Sorted levels, 0.5 among them; empty: none.
        future_columns (list[str] | Unset):
        calendar (list[str] | Unset):
        static_columns (list[str] | Unset):
        categorical_columns (list[str] | Unset):
        auto (AutoSpec | None | Unset): An auto job's candidates; its candidates' own specs have none.
        warm_start (None | Unset | WarmStart): The version whose weights training starts from; null: from scratch.
    """

    target_columns: list[str]
    feature_columns: list[str]
    input_length: int
    horizon: int
    validation_fraction: float
    season_length: int | None
    hyperparameters: Hyperparameters
    quantiles: list[float] | Unset = UNSET
    future_columns: list[str] | Unset = UNSET
    calendar: list[str] | Unset = UNSET
    static_columns: list[str] | Unset = UNSET
    categorical_columns: list[str] | Unset = UNSET
    auto: AutoSpec | None | Unset = UNSET
    warm_start: None | Unset | WarmStart = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.auto_spec import AutoSpec
        from ..models.warm_start import WarmStart

        target_columns = self.target_columns

        feature_columns = self.feature_columns

        input_length = self.input_length

        horizon = self.horizon

        validation_fraction = self.validation_fraction

        season_length: int | None
        season_length = self.season_length

        hyperparameters = self.hyperparameters.to_dict()

        quantiles: list[float] | Unset = UNSET
        if not isinstance(self.quantiles, Unset):
            quantiles = self.quantiles

        future_columns: list[str] | Unset = UNSET
        if not isinstance(self.future_columns, Unset):
            future_columns = self.future_columns

        calendar: list[str] | Unset = UNSET
        if not isinstance(self.calendar, Unset):
            calendar = self.calendar

        static_columns: list[str] | Unset = UNSET
        if not isinstance(self.static_columns, Unset):
            static_columns = self.static_columns

        categorical_columns: list[str] | Unset = UNSET
        if not isinstance(self.categorical_columns, Unset):
            categorical_columns = self.categorical_columns

        auto: dict[str, Any] | None | Unset
        if isinstance(self.auto, Unset):
            auto = UNSET
        elif isinstance(self.auto, AutoSpec):
            auto = self.auto.to_dict()
        else:
            auto = self.auto

        warm_start: dict[str, Any] | None | Unset
        if isinstance(self.warm_start, Unset):
            warm_start = UNSET
        elif isinstance(self.warm_start, WarmStart):
            warm_start = self.warm_start.to_dict()
        else:
            warm_start = self.warm_start

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "target_columns": target_columns,
                "feature_columns": feature_columns,
                "input_length": input_length,
                "horizon": horizon,
                "validation_fraction": validation_fraction,
                "season_length": season_length,
                "hyperparameters": hyperparameters,
            }
        )
        if quantiles is not UNSET:
            field_dict["quantiles"] = quantiles
        if future_columns is not UNSET:
            field_dict["future_columns"] = future_columns
        if calendar is not UNSET:
            field_dict["calendar"] = calendar
        if static_columns is not UNSET:
            field_dict["static_columns"] = static_columns
        if categorical_columns is not UNSET:
            field_dict["categorical_columns"] = categorical_columns
        if auto is not UNSET:
            field_dict["auto"] = auto
        if warm_start is not UNSET:
            field_dict["warm_start"] = warm_start

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.auto_spec import AutoSpec
        from ..models.hyperparameters import Hyperparameters
        from ..models.warm_start import WarmStart

        d = dict(src_dict)
        target_columns = cast(list[str], d.pop("target_columns"))

        feature_columns = cast(list[str], d.pop("feature_columns"))

        input_length = d.pop("input_length")

        horizon = d.pop("horizon")

        validation_fraction = d.pop("validation_fraction")

        def _parse_season_length(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        season_length = _parse_season_length(d.pop("season_length"))

        hyperparameters = Hyperparameters.from_dict(d.pop("hyperparameters"))

        quantiles = cast(list[float], d.pop("quantiles", UNSET))

        future_columns = cast(list[str], d.pop("future_columns", UNSET))

        calendar = cast(list[str], d.pop("calendar", UNSET))

        static_columns = cast(list[str], d.pop("static_columns", UNSET))

        categorical_columns = cast(list[str], d.pop("categorical_columns", UNSET))

        def _parse_auto(data: object) -> AutoSpec | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                auto_type_0 = AutoSpec.from_dict(data)

                return auto_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AutoSpec | None | Unset, data)

        auto = _parse_auto(d.pop("auto", UNSET))

        def _parse_warm_start(data: object) -> None | Unset | WarmStart:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                warm_start_type_0 = WarmStart.from_dict(data)

                return warm_start_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | WarmStart, data)

        warm_start = _parse_warm_start(d.pop("warm_start", UNSET))

        job_spec = cls(
            target_columns=target_columns,
            feature_columns=feature_columns,
            input_length=input_length,
            horizon=horizon,
            validation_fraction=validation_fraction,
            season_length=season_length,
            hyperparameters=hyperparameters,
            quantiles=quantiles,
            future_columns=future_columns,
            calendar=calendar,
            static_columns=static_columns,
            categorical_columns=categorical_columns,
            auto=auto,
            warm_start=warm_start,
        )

        job_spec.additional_properties = d
        return job_spec

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
