from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.backtest_brief import BacktestBrief
    from ..models.leaderboard_entry import LeaderboardEntry
    from ..models.parent_ref import ParentRef
    from ..models.version_read_hyperparameters import VersionReadHyperparameters
    from ..models.version_read_metrics import VersionReadMetrics


T = TypeVar("T", bound="VersionRead")


@_attrs_define
class VersionRead:
    """
    Attributes:
        model (str):
        version (int):
        architecture (str):
        hyperparameters (VersionReadHyperparameters):
        feature_columns (list[str]):
        target_columns (list[str]):
        input_length (int):
        horizon (int):
        metrics (VersionReadMetrics): Validation metrics: `model` and `seasonal_naive` (mae, rmse, smape, mase), the
            season length used and whether the model beats the baseline. `mase_scale` counts the series scaled by the
            seasonal-naive MAE, by the one-step naive MAE (the seasonal one ~0) or by none (a constant series, left out);
            `mase` is null, with `mase_reason`, when no series has a scale.
        artifact_uri (str):
        sha256 (str):
        size_bytes (int):
        opset (int):
        parity_error (float): Max ONNX-vs-torch error relative to output scale.
        device (str):
        job_id (str):
        dataset_id (str):
        aliases (list[str]):
        created_at (datetime.datetime):
        quantiles (list[float] | Unset): Quantile levels /predict returns besides the point forecast (the median),
            ascending; empty: point forecasts only.
        normalization (str | Unset): How the graph scales its inputs: `global` (training statistics) or `instance` (each
            window by its own). Default: 'global'.
        frequency (None | str | Unset): The training data's time step (e.g. `D`, `h`, `MS`); null: trained without
            timestamps, so /predict cannot date its forecasts.
        series_count (int | Unset): Series in the training data (0: one unnamed). Default: 0.
        series (list[str] | Unset): Series ids /predict accepts as `series_id` (the first 100).
        dataset_revision (int | Unset): The revision of the dataset it was trained on. Default: 1.
        backtests (list[BacktestBrief] | Unset): Its backtests, oldest first (see POST /backtest).
        leaderboard (list[LeaderboardEntry] | None | Unset): A version an `auto` job registered: every candidate it
            trained, ranked by validation MASE (best first; those that did not succeed last); null otherwise.
        weights_uri (None | str | Unset): Its PyTorch checkpoint, which a warm start (`from_version`, refresh) loads;
            null for versions registered before weights were kept.
        parent (None | ParentRef | Unset): The version it was warm-started from; null: trained from scratch.
    """

    model: str
    version: int
    architecture: str
    hyperparameters: VersionReadHyperparameters
    feature_columns: list[str]
    target_columns: list[str]
    input_length: int
    horizon: int
    metrics: VersionReadMetrics
    artifact_uri: str
    sha256: str
    size_bytes: int
    opset: int
    parity_error: float
    device: str
    job_id: str
    dataset_id: str
    aliases: list[str]
    created_at: datetime.datetime
    quantiles: list[float] | Unset = UNSET
    normalization: str | Unset = "global"
    frequency: None | str | Unset = UNSET
    series_count: int | Unset = 0
    series: list[str] | Unset = UNSET
    dataset_revision: int | Unset = 1
    backtests: list[BacktestBrief] | Unset = UNSET
    leaderboard: list[LeaderboardEntry] | None | Unset = UNSET
    weights_uri: None | str | Unset = UNSET
    parent: None | ParentRef | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.parent_ref import ParentRef

        model = self.model

        version = self.version

        architecture = self.architecture

        hyperparameters = self.hyperparameters.to_dict()

        feature_columns = self.feature_columns

        target_columns = self.target_columns

        input_length = self.input_length

        horizon = self.horizon

        metrics = self.metrics.to_dict()

        artifact_uri = self.artifact_uri

        sha256 = self.sha256

        size_bytes = self.size_bytes

        opset = self.opset

        parity_error = self.parity_error

        device = self.device

        job_id = self.job_id

        dataset_id = self.dataset_id

        aliases = self.aliases

        created_at = self.created_at.isoformat()

        quantiles: list[float] | Unset = UNSET
        if not isinstance(self.quantiles, Unset):
            quantiles = self.quantiles

        normalization = self.normalization

        frequency: None | str | Unset
        if isinstance(self.frequency, Unset):
            frequency = UNSET
        else:
            frequency = self.frequency

        series_count = self.series_count

        series: list[str] | Unset = UNSET
        if not isinstance(self.series, Unset):
            series = self.series

        dataset_revision = self.dataset_revision

        backtests: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.backtests, Unset):
            backtests = []
            for backtests_item_data in self.backtests:
                backtests_item = backtests_item_data.to_dict()
                backtests.append(backtests_item)

        leaderboard: list[dict[str, Any]] | None | Unset
        if isinstance(self.leaderboard, Unset):
            leaderboard = UNSET
        elif isinstance(self.leaderboard, list):
            leaderboard = []
            for leaderboard_type_0_item_data in self.leaderboard:
                leaderboard_type_0_item = leaderboard_type_0_item_data.to_dict()
                leaderboard.append(leaderboard_type_0_item)

        else:
            leaderboard = self.leaderboard

        weights_uri: None | str | Unset
        if isinstance(self.weights_uri, Unset):
            weights_uri = UNSET
        else:
            weights_uri = self.weights_uri

        parent: dict[str, Any] | None | Unset
        if isinstance(self.parent, Unset):
            parent = UNSET
        elif isinstance(self.parent, ParentRef):
            parent = self.parent.to_dict()
        else:
            parent = self.parent

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "model": model,
                "version": version,
                "architecture": architecture,
                "hyperparameters": hyperparameters,
                "feature_columns": feature_columns,
                "target_columns": target_columns,
                "input_length": input_length,
                "horizon": horizon,
                "metrics": metrics,
                "artifact_uri": artifact_uri,
                "sha256": sha256,
                "size_bytes": size_bytes,
                "opset": opset,
                "parity_error": parity_error,
                "device": device,
                "job_id": job_id,
                "dataset_id": dataset_id,
                "aliases": aliases,
                "created_at": created_at,
            }
        )
        if quantiles is not UNSET:
            field_dict["quantiles"] = quantiles
        if normalization is not UNSET:
            field_dict["normalization"] = normalization
        if frequency is not UNSET:
            field_dict["frequency"] = frequency
        if series_count is not UNSET:
            field_dict["series_count"] = series_count
        if series is not UNSET:
            field_dict["series"] = series
        if dataset_revision is not UNSET:
            field_dict["dataset_revision"] = dataset_revision
        if backtests is not UNSET:
            field_dict["backtests"] = backtests
        if leaderboard is not UNSET:
            field_dict["leaderboard"] = leaderboard
        if weights_uri is not UNSET:
            field_dict["weights_uri"] = weights_uri
        if parent is not UNSET:
            field_dict["parent"] = parent

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.backtest_brief import BacktestBrief
        from ..models.leaderboard_entry import LeaderboardEntry
        from ..models.parent_ref import ParentRef
        from ..models.version_read_hyperparameters import VersionReadHyperparameters
        from ..models.version_read_metrics import VersionReadMetrics

        d = dict(src_dict)
        model = d.pop("model")

        version = d.pop("version")

        architecture = d.pop("architecture")

        hyperparameters = VersionReadHyperparameters.from_dict(d.pop("hyperparameters"))

        feature_columns = cast(list[str], d.pop("feature_columns"))

        target_columns = cast(list[str], d.pop("target_columns"))

        input_length = d.pop("input_length")

        horizon = d.pop("horizon")

        metrics = VersionReadMetrics.from_dict(d.pop("metrics"))

        artifact_uri = d.pop("artifact_uri")

        sha256 = d.pop("sha256")

        size_bytes = d.pop("size_bytes")

        opset = d.pop("opset")

        parity_error = d.pop("parity_error")

        device = d.pop("device")

        job_id = d.pop("job_id")

        dataset_id = d.pop("dataset_id")

        aliases = cast(list[str], d.pop("aliases"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        quantiles = cast(list[float], d.pop("quantiles", UNSET))

        normalization = d.pop("normalization", UNSET)

        def _parse_frequency(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        frequency = _parse_frequency(d.pop("frequency", UNSET))

        series_count = d.pop("series_count", UNSET)

        series = cast(list[str], d.pop("series", UNSET))

        dataset_revision = d.pop("dataset_revision", UNSET)

        _backtests = d.pop("backtests", UNSET)
        backtests: list[BacktestBrief] | Unset = UNSET
        if _backtests is not UNSET:
            backtests = []
            for backtests_item_data in _backtests:
                backtests_item = BacktestBrief.from_dict(backtests_item_data)

                backtests.append(backtests_item)

        def _parse_leaderboard(data: object) -> list[LeaderboardEntry] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                leaderboard_type_0 = []
                _leaderboard_type_0 = data
                for leaderboard_type_0_item_data in _leaderboard_type_0:
                    leaderboard_type_0_item = LeaderboardEntry.from_dict(
                        leaderboard_type_0_item_data
                    )

                    leaderboard_type_0.append(leaderboard_type_0_item)

                return leaderboard_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[LeaderboardEntry] | None | Unset, data)

        leaderboard = _parse_leaderboard(d.pop("leaderboard", UNSET))

        def _parse_weights_uri(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        weights_uri = _parse_weights_uri(d.pop("weights_uri", UNSET))

        def _parse_parent(data: object) -> None | ParentRef | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                parent_type_0 = ParentRef.from_dict(data)

                return parent_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ParentRef | Unset, data)

        parent = _parse_parent(d.pop("parent", UNSET))

        version_read = cls(
            model=model,
            version=version,
            architecture=architecture,
            hyperparameters=hyperparameters,
            feature_columns=feature_columns,
            target_columns=target_columns,
            input_length=input_length,
            horizon=horizon,
            metrics=metrics,
            artifact_uri=artifact_uri,
            sha256=sha256,
            size_bytes=size_bytes,
            opset=opset,
            parity_error=parity_error,
            device=device,
            job_id=job_id,
            dataset_id=dataset_id,
            aliases=aliases,
            created_at=created_at,
            quantiles=quantiles,
            normalization=normalization,
            frequency=frequency,
            series_count=series_count,
            series=series,
            dataset_revision=dataset_revision,
            backtests=backtests,
            leaderboard=leaderboard,
            weights_uri=weights_uri,
            parent=parent,
        )

        version_read.additional_properties = d
        return version_read

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
