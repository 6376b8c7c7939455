from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
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
            season length used and whether the model beats the baseline.
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
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
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

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
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
