from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.hyperparameter_grid_baseline_type_0_item import HyperparameterGridBaselineType0Item
from ..models.hyperparameter_grid_normalization_type_0_item import (
    HyperparameterGridNormalizationType0Item,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="HyperparameterGrid")


@_attrs_define
class HyperparameterGrid:
    """Values to try for some hyperparameters: every combination, on top of `hyperparameters`.
    A value an architecture does not read (hidden_size for the transformer; d_model, nhead and
    dim_feedforward for the recurrent ones) does not multiply its candidates.

        Attributes:
            hidden_size (list[int] | None | Unset):
            num_layers (list[int] | None | Unset):
            dropout (list[float] | None | Unset):
            learning_rate (list[float] | None | Unset):
            batch_size (list[int] | None | Unset):
            d_model (list[int] | None | Unset):
            nhead (list[int] | None | Unset):
            dim_feedforward (list[int] | None | Unset):
            normalization (list[HyperparameterGridNormalizationType0Item] | None | Unset):
            baseline (list[HyperparameterGridBaselineType0Item] | None | Unset):
    """

    hidden_size: list[int] | None | Unset = UNSET
    num_layers: list[int] | None | Unset = UNSET
    dropout: list[float] | None | Unset = UNSET
    learning_rate: list[float] | None | Unset = UNSET
    batch_size: list[int] | None | Unset = UNSET
    d_model: list[int] | None | Unset = UNSET
    nhead: list[int] | None | Unset = UNSET
    dim_feedforward: list[int] | None | Unset = UNSET
    normalization: list[HyperparameterGridNormalizationType0Item] | None | Unset = UNSET
    baseline: list[HyperparameterGridBaselineType0Item] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        hidden_size: list[int] | None | Unset
        if isinstance(self.hidden_size, Unset):
            hidden_size = UNSET
        elif isinstance(self.hidden_size, list):
            hidden_size = self.hidden_size

        else:
            hidden_size = self.hidden_size

        num_layers: list[int] | None | Unset
        if isinstance(self.num_layers, Unset):
            num_layers = UNSET
        elif isinstance(self.num_layers, list):
            num_layers = self.num_layers

        else:
            num_layers = self.num_layers

        dropout: list[float] | None | Unset
        if isinstance(self.dropout, Unset):
            dropout = UNSET
        elif isinstance(self.dropout, list):
            dropout = self.dropout

        else:
            dropout = self.dropout

        learning_rate: list[float] | None | Unset
        if isinstance(self.learning_rate, Unset):
            learning_rate = UNSET
        elif isinstance(self.learning_rate, list):
            learning_rate = self.learning_rate

        else:
            learning_rate = self.learning_rate

        batch_size: list[int] | None | Unset
        if isinstance(self.batch_size, Unset):
            batch_size = UNSET
        elif isinstance(self.batch_size, list):
            batch_size = self.batch_size

        else:
            batch_size = self.batch_size

        d_model: list[int] | None | Unset
        if isinstance(self.d_model, Unset):
            d_model = UNSET
        elif isinstance(self.d_model, list):
            d_model = self.d_model

        else:
            d_model = self.d_model

        nhead: list[int] | None | Unset
        if isinstance(self.nhead, Unset):
            nhead = UNSET
        elif isinstance(self.nhead, list):
            nhead = self.nhead

        else:
            nhead = self.nhead

        dim_feedforward: list[int] | None | Unset
        if isinstance(self.dim_feedforward, Unset):
            dim_feedforward = UNSET
        elif isinstance(self.dim_feedforward, list):
            dim_feedforward = self.dim_feedforward

        else:
            dim_feedforward = self.dim_feedforward

        normalization: list[str] | None | Unset
        if isinstance(self.normalization, Unset):
            normalization = UNSET
        elif isinstance(self.normalization, list):
            normalization = []
            for normalization_type_0_item_data in self.normalization:
                normalization_type_0_item = normalization_type_0_item_data.value
                normalization.append(normalization_type_0_item)

        else:
            normalization = self.normalization

        baseline: list[str] | None | Unset
        if isinstance(self.baseline, Unset):
            baseline = UNSET
        elif isinstance(self.baseline, list):
            baseline = []
            for baseline_type_0_item_data in self.baseline:
                baseline_type_0_item = baseline_type_0_item_data.value
                baseline.append(baseline_type_0_item)

        else:
            baseline = self.baseline

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if hidden_size is not UNSET:
            field_dict["hidden_size"] = hidden_size
        if num_layers is not UNSET:
            field_dict["num_layers"] = num_layers
        if dropout is not UNSET:
            field_dict["dropout"] = dropout
        if learning_rate is not UNSET:
            field_dict["learning_rate"] = learning_rate
        if batch_size is not UNSET:
            field_dict["batch_size"] = batch_size
        if d_model is not UNSET:
            field_dict["d_model"] = d_model
        if nhead is not UNSET:
            field_dict["nhead"] = nhead
        if dim_feedforward is not UNSET:
            field_dict["dim_feedforward"] = dim_feedforward
        if normalization is not UNSET:
            field_dict["normalization"] = normalization
        if baseline is not UNSET:
            field_dict["baseline"] = baseline

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_hidden_size(data: object) -> list[int] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                hidden_size_type_0 = cast(list[int], data)

                return hidden_size_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[int] | None | Unset, data)

        hidden_size = _parse_hidden_size(d.pop("hidden_size", UNSET))

        def _parse_num_layers(data: object) -> list[int] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                num_layers_type_0 = cast(list[int], data)

                return num_layers_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[int] | None | Unset, data)

        num_layers = _parse_num_layers(d.pop("num_layers", UNSET))

        def _parse_dropout(data: object) -> list[float] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                dropout_type_0 = cast(list[float], data)

                return dropout_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[float] | None | Unset, data)

        dropout = _parse_dropout(d.pop("dropout", UNSET))

        def _parse_learning_rate(data: object) -> list[float] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                learning_rate_type_0 = cast(list[float], data)

                return learning_rate_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[float] | None | Unset, data)

        learning_rate = _parse_learning_rate(d.pop("learning_rate", UNSET))

        def _parse_batch_size(data: object) -> list[int] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                batch_size_type_0 = cast(list[int], data)

                return batch_size_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[int] | None | Unset, data)

        batch_size = _parse_batch_size(d.pop("batch_size", UNSET))

        def _parse_d_model(data: object) -> list[int] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                d_model_type_0 = cast(list[int], data)

                return d_model_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[int] | None | Unset, data)

        d_model = _parse_d_model(d.pop("d_model", UNSET))

        def _parse_nhead(data: object) -> list[int] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                nhead_type_0 = cast(list[int], data)

                return nhead_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[int] | None | Unset, data)

        nhead = _parse_nhead(d.pop("nhead", UNSET))

        def _parse_dim_feedforward(data: object) -> list[int] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                dim_feedforward_type_0 = cast(list[int], data)

                return dim_feedforward_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[int] | None | Unset, data)

        dim_feedforward = _parse_dim_feedforward(d.pop("dim_feedforward", UNSET))

        def _parse_normalization(
            data: object,
        ) -> list[HyperparameterGridNormalizationType0Item] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                normalization_type_0 = []
                _normalization_type_0 = data
                for normalization_type_0_item_data in _normalization_type_0:
                    normalization_type_0_item = HyperparameterGridNormalizationType0Item(
                        normalization_type_0_item_data
                    )

                    normalization_type_0.append(normalization_type_0_item)

                return normalization_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[HyperparameterGridNormalizationType0Item] | None | Unset, data)

        normalization = _parse_normalization(d.pop("normalization", UNSET))

        def _parse_baseline(
            data: object,
        ) -> list[HyperparameterGridBaselineType0Item] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                baseline_type_0 = []
                _baseline_type_0 = data
                for baseline_type_0_item_data in _baseline_type_0:
                    baseline_type_0_item = HyperparameterGridBaselineType0Item(
                        baseline_type_0_item_data
                    )

                    baseline_type_0.append(baseline_type_0_item)

                return baseline_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[HyperparameterGridBaselineType0Item] | None | Unset, data)

        baseline = _parse_baseline(d.pop("baseline", UNSET))

        hyperparameter_grid = cls(
            hidden_size=hidden_size,
            num_layers=num_layers,
            dropout=dropout,
            learning_rate=learning_rate,
            batch_size=batch_size,
            d_model=d_model,
            nhead=nhead,
            dim_feedforward=dim_feedforward,
            normalization=normalization,
            baseline=baseline,
        )

        return hyperparameter_grid
