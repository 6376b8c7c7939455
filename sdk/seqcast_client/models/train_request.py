from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.train_request_architecture import TrainRequestArchitecture
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.auto_search import AutoSearch
    from ..models.from_version import FromVersion
    from ..models.hyperparameters import Hyperparameters
    from ..models.inline_data import InlineData


T = TypeVar("T", bound="TrainRequest")


@_attrs_define
class TrainRequest:
    """
    Attributes:
        model_name (str):
        architecture (TrainRequestArchitecture | Unset): The network to train, or `auto`: candidates (see `auto`)
            trained in parallel as jobs of their own, the best by validation MASE registered. Required unless `from_version`
            gives it.
        from_version (FromVersion | None | Unset): Warm start: begin from this registered version's weights instead of a
            random initialization. Same architecture and contract (columns, calendar, input_length, horizon, quantiles,
            season_length, the network's shape and normalization: a field left out is taken from the version, one that
            differs is a 422); training hyperparameters (epochs, learning_rate, batch_size, seed, ...) may change. The
            dataset defaults to the version's own (its newest data); the version's normalization statistics are kept. The
            new version records it as its `parent`.
        auto (AutoSearch | None | Unset): With `architecture: auto`: candidates, grid and budget (optional).
        dataset_id (None | str | Unset): An uploaded dataset; or give `data`.
        data (InlineData | None | Unset): Inline series, stored as a new dataset.
        target_columns (list[str] | None | Unset): Columns to forecast; default: every column.
        feature_columns (list[str] | None | Unset): Columns the model reads; default: the targets.
        future_columns (list[str] | None | Unset): Known-future covariates: columns whose values are known for the
            forecast horizon (prices, promotions, planned events). Training windows carry their values over the horizon;
            /predict then takes them as `future`. They may also be among feature_columns, as history.
        calendar (list[str] | None | Unset): Calendar features of the forecast's own timestamps, known in advance by
            construction: day_of_week, day_of_month, day_of_year, week_of_year, month, quarter, hour, minute, and
            `holidays:<country>` (public holidays, ISO 3166 code). Needs a dataset with timestamps; /predict then needs
            `last_timestamp` or `series_id`.
        static_columns (list[str] | None | Unset): Static covariates: columns with one value per series (store size,
            region code). Stored with the version and looked up by `series_id` at predict time.
        categorical_columns (list[str] | None | Unset): Those of static_columns that are category codes (one-hot
            encoded) rather than quantities.
        input_length (int | None | Unset): Window length; default: max(3 × horizon, 16).
        horizon (int | None | Unset): Steps forecast at once. Required unless `from_version` gives it.
        validation_fraction (float | Unset): Share of the series (its end) held out. Default: 0.2.
        season_length (int | None | Unset): Period of the seasonal-naive baseline; default: detected.
        quantiles (list[float] | None | Unset): Quantile levels to forecast too (e.g. [0.1, 0.9]), each in (0, 1): a
            quantile head trained with the pinball loss, in the same ONNX graph. 0.5 is added when missing (the median is
            the point forecast); stored sorted.
        hyperparameters (Hyperparameters | Unset): Defaults chosen by measurement (benchmarks/accuracy.py, RESULTS.md
            "Accuracy with
            defaults"): an untuned LSTM or GRU beats seasonal naive on real seasonal series, and a small
            series still trains in seconds to a minute on a CPU.
    """

    model_name: str
    architecture: TrainRequestArchitecture | Unset = UNSET
    from_version: FromVersion | None | Unset = UNSET
    auto: AutoSearch | None | Unset = UNSET
    dataset_id: None | str | Unset = UNSET
    data: InlineData | None | Unset = UNSET
    target_columns: list[str] | None | Unset = UNSET
    feature_columns: list[str] | None | Unset = UNSET
    future_columns: list[str] | None | Unset = UNSET
    calendar: list[str] | None | Unset = UNSET
    static_columns: list[str] | None | Unset = UNSET
    categorical_columns: list[str] | None | Unset = UNSET
    input_length: int | None | Unset = UNSET
    horizon: int | None | Unset = UNSET
    validation_fraction: float | Unset = 0.2
    season_length: int | None | Unset = UNSET
    quantiles: list[float] | None | Unset = UNSET
    hyperparameters: Hyperparameters | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.auto_search import AutoSearch
        from ..models.from_version import FromVersion
        from ..models.inline_data import InlineData

        model_name = self.model_name

        architecture: str | Unset = UNSET
        if not isinstance(self.architecture, Unset):
            architecture = self.architecture.value

        from_version: dict[str, Any] | None | Unset
        if isinstance(self.from_version, Unset):
            from_version = UNSET
        elif isinstance(self.from_version, FromVersion):
            from_version = self.from_version.to_dict()
        else:
            from_version = self.from_version

        auto: dict[str, Any] | None | Unset
        if isinstance(self.auto, Unset):
            auto = UNSET
        elif isinstance(self.auto, AutoSearch):
            auto = self.auto.to_dict()
        else:
            auto = self.auto

        dataset_id: None | str | Unset
        if isinstance(self.dataset_id, Unset):
            dataset_id = UNSET
        else:
            dataset_id = self.dataset_id

        data: dict[str, Any] | None | Unset
        if isinstance(self.data, Unset):
            data = UNSET
        elif isinstance(self.data, InlineData):
            data = self.data.to_dict()
        else:
            data = self.data

        target_columns: list[str] | None | Unset
        if isinstance(self.target_columns, Unset):
            target_columns = UNSET
        elif isinstance(self.target_columns, list):
            target_columns = self.target_columns

        else:
            target_columns = self.target_columns

        feature_columns: list[str] | None | Unset
        if isinstance(self.feature_columns, Unset):
            feature_columns = UNSET
        elif isinstance(self.feature_columns, list):
            feature_columns = self.feature_columns

        else:
            feature_columns = self.feature_columns

        future_columns: list[str] | None | Unset
        if isinstance(self.future_columns, Unset):
            future_columns = UNSET
        elif isinstance(self.future_columns, list):
            future_columns = self.future_columns

        else:
            future_columns = self.future_columns

        calendar: list[str] | None | Unset
        if isinstance(self.calendar, Unset):
            calendar = UNSET
        elif isinstance(self.calendar, list):
            calendar = self.calendar

        else:
            calendar = self.calendar

        static_columns: list[str] | None | Unset
        if isinstance(self.static_columns, Unset):
            static_columns = UNSET
        elif isinstance(self.static_columns, list):
            static_columns = self.static_columns

        else:
            static_columns = self.static_columns

        categorical_columns: list[str] | None | Unset
        if isinstance(self.categorical_columns, Unset):
            categorical_columns = UNSET
        elif isinstance(self.categorical_columns, list):
            categorical_columns = self.categorical_columns

        else:
            categorical_columns = self.categorical_columns

        input_length: int | None | Unset
        if isinstance(self.input_length, Unset):
            input_length = UNSET
        else:
            input_length = self.input_length

        horizon: int | None | Unset
        if isinstance(self.horizon, Unset):
            horizon = UNSET
        else:
            horizon = self.horizon

        validation_fraction = self.validation_fraction

        season_length: int | None | Unset
        if isinstance(self.season_length, Unset):
            season_length = UNSET
        else:
            season_length = self.season_length

        quantiles: list[float] | None | Unset
        if isinstance(self.quantiles, Unset):
            quantiles = UNSET
        elif isinstance(self.quantiles, list):
            quantiles = self.quantiles

        else:
            quantiles = self.quantiles

        hyperparameters: dict[str, Any] | Unset = UNSET
        if not isinstance(self.hyperparameters, Unset):
            hyperparameters = self.hyperparameters.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "model_name": model_name,
            }
        )
        if architecture is not UNSET:
            field_dict["architecture"] = architecture
        if from_version is not UNSET:
            field_dict["from_version"] = from_version
        if auto is not UNSET:
            field_dict["auto"] = auto
        if dataset_id is not UNSET:
            field_dict["dataset_id"] = dataset_id
        if data is not UNSET:
            field_dict["data"] = data
        if target_columns is not UNSET:
            field_dict["target_columns"] = target_columns
        if feature_columns is not UNSET:
            field_dict["feature_columns"] = feature_columns
        if future_columns is not UNSET:
            field_dict["future_columns"] = future_columns
        if calendar is not UNSET:
            field_dict["calendar"] = calendar
        if static_columns is not UNSET:
            field_dict["static_columns"] = static_columns
        if categorical_columns is not UNSET:
            field_dict["categorical_columns"] = categorical_columns
        if input_length is not UNSET:
            field_dict["input_length"] = input_length
        if horizon is not UNSET:
            field_dict["horizon"] = horizon
        if validation_fraction is not UNSET:
            field_dict["validation_fraction"] = validation_fraction
        if season_length is not UNSET:
            field_dict["season_length"] = season_length
        if quantiles is not UNSET:
            field_dict["quantiles"] = quantiles
        if hyperparameters is not UNSET:
            field_dict["hyperparameters"] = hyperparameters

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.auto_search import AutoSearch
        from ..models.from_version import FromVersion
        from ..models.hyperparameters import Hyperparameters
        from ..models.inline_data import InlineData

        d = dict(src_dict)
        model_name = d.pop("model_name")

        _architecture = d.pop("architecture", UNSET)
        architecture: TrainRequestArchitecture | Unset
        if isinstance(_architecture, Unset):
            architecture = UNSET
        else:
            architecture = TrainRequestArchitecture(_architecture)

        def _parse_from_version(data: object) -> FromVersion | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                from_version_type_0 = FromVersion.from_dict(data)

                return from_version_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(FromVersion | None | Unset, data)

        from_version = _parse_from_version(d.pop("from_version", UNSET))

        def _parse_auto(data: object) -> AutoSearch | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                auto_type_0 = AutoSearch.from_dict(data)

                return auto_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AutoSearch | None | Unset, data)

        auto = _parse_auto(d.pop("auto", UNSET))

        def _parse_dataset_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        dataset_id = _parse_dataset_id(d.pop("dataset_id", UNSET))

        def _parse_data(data: object) -> InlineData | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                data_type_0 = InlineData.from_dict(data)

                return data_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(InlineData | None | Unset, data)

        data = _parse_data(d.pop("data", UNSET))

        def _parse_target_columns(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                target_columns_type_0 = cast(list[str], data)

                return target_columns_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        target_columns = _parse_target_columns(d.pop("target_columns", UNSET))

        def _parse_feature_columns(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                feature_columns_type_0 = cast(list[str], data)

                return feature_columns_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        feature_columns = _parse_feature_columns(d.pop("feature_columns", UNSET))

        def _parse_future_columns(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                future_columns_type_0 = cast(list[str], data)

                return future_columns_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        future_columns = _parse_future_columns(d.pop("future_columns", UNSET))

        def _parse_calendar(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                calendar_type_0 = cast(list[str], data)

                return calendar_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        calendar = _parse_calendar(d.pop("calendar", UNSET))

        def _parse_static_columns(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                static_columns_type_0 = cast(list[str], data)

                return static_columns_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        static_columns = _parse_static_columns(d.pop("static_columns", UNSET))

        def _parse_categorical_columns(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                categorical_columns_type_0 = cast(list[str], data)

                return categorical_columns_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        categorical_columns = _parse_categorical_columns(d.pop("categorical_columns", UNSET))

        def _parse_input_length(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        input_length = _parse_input_length(d.pop("input_length", UNSET))

        def _parse_horizon(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        horizon = _parse_horizon(d.pop("horizon", UNSET))

        validation_fraction = d.pop("validation_fraction", UNSET)

        def _parse_season_length(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        season_length = _parse_season_length(d.pop("season_length", UNSET))

        def _parse_quantiles(data: object) -> list[float] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                quantiles_type_0 = cast(list[float], data)

                return quantiles_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[float] | None | Unset, data)

        quantiles = _parse_quantiles(d.pop("quantiles", UNSET))

        _hyperparameters = d.pop("hyperparameters", UNSET)
        hyperparameters: Hyperparameters | Unset
        if isinstance(_hyperparameters, Unset):
            hyperparameters = UNSET
        else:
            hyperparameters = Hyperparameters.from_dict(_hyperparameters)

        train_request = cls(
            model_name=model_name,
            architecture=architecture,
            from_version=from_version,
            auto=auto,
            dataset_id=dataset_id,
            data=data,
            target_columns=target_columns,
            feature_columns=feature_columns,
            future_columns=future_columns,
            calendar=calendar,
            static_columns=static_columns,
            categorical_columns=categorical_columns,
            input_length=input_length,
            horizon=horizon,
            validation_fraction=validation_fraction,
            season_length=season_length,
            quantiles=quantiles,
            hyperparameters=hyperparameters,
        )

        return train_request
