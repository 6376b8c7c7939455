from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.hyperparameters_baseline import HyperparametersBaseline
from ..models.hyperparameters_normalization import HyperparametersNormalization
from ..models.hyperparameters_window_lengths import HyperparametersWindowLengths
from ..types import UNSET, Unset

T = TypeVar("T", bound="Hyperparameters")


@_attrs_define
class Hyperparameters:
    """Defaults chosen by measurement (benchmarks/accuracy.py, RESULTS.md "Accuracy with
    defaults"): an untuned LSTM or GRU beats seasonal naive on real seasonal series, and a small
    series still trains in seconds to a minute on a CPU.

        Attributes:
            hidden_size (int | Unset): RNN/LSTM/GRU hidden units. Default: 64.
            num_layers (int | Unset):  Default: 2.
            dropout (float | Unset): Between stacked layers. Default: 0.2.
            epochs (int | Unset): At most; early stopping usually ends training sooner. Default: 500.
            batch_size (int | Unset):  Default: 16.
            learning_rate (float | Unset):  Default: 0.003.
            early_stopping_patience (int | Unset): Epochs without a better validation loss before stopping. Default: 50.
            seed (int | Unset):  Default: 0.
            d_model (int | Unset): Transformer width. Default: 64.
            nhead (int | Unset): Transformer attention heads. Default: 4.
            dim_feedforward (int | Unset): Transformer MLP width. Default: 128.
            normalization (HyperparametersNormalization | Unset): Scale inputs by the training rows' statistics (global) or
                every window by its own mean and std (instance: follows trends beyond the training range). Left out, instance
                when the targets are among feature_columns, else global. Default: HyperparametersNormalization.INSTANCE.
            gradient_clip (float | None | Unset): Maximum global gradient norm; null: no clipping. Default: 1.0.
            mixed_precision (bool | Unset): float16 autocast with gradient scaling on CUDA; ignored on CPU. Default: False.
            window_lengths (HyperparametersWindowLengths | Unset): Train on windows of input_length (fixed), or of random
                lengths up to MAX_LENGTH_FACTOR × input_length (varied: steadier forecasts from long histories). Default:
                HyperparametersWindowLengths.FIXED.
            baseline (HyperparametersBaseline | Unset): seasonal_drift: the network learns a correction to a linear forecast
                from the window, which starts as the seasonal-naive forecast plus the window's drift (the ES-RNN idea; needs the
                targets among feature_columns). seasonal_naive: the same from the window's last season, starting as the
                seasonal-naive forecast. none: the network forecasts alone. Left out, seasonal_drift with instance
                normalization, else none (a globally normalized recurrent version then keeps its step graph for streams).
                Default: HyperparametersBaseline.SEASONAL_DRIFT.
            refit (bool | Unset): After early stopping has chosen the epochs and the metrics are measured, train the served
                model again on all windows, validation ones included, for that many epochs: it learns the most recent data.
                Costs about one more training. Default: True.
            average_refit (bool | Unset): With refit: serve the average of the early-stopped network's weights and the
                refit's (both start from one initialization), unless the average's loss on all windows is above both networks'
                own. One network served, so no inference cost. Default: True.
    """

    hidden_size: int | Unset = 64
    num_layers: int | Unset = 2
    dropout: float | Unset = 0.2
    epochs: int | Unset = 500
    batch_size: int | Unset = 16
    learning_rate: float | Unset = 0.003
    early_stopping_patience: int | Unset = 50
    seed: int | Unset = 0
    d_model: int | Unset = 64
    nhead: int | Unset = 4
    dim_feedforward: int | Unset = 128
    normalization: HyperparametersNormalization | Unset = HyperparametersNormalization.INSTANCE
    gradient_clip: float | None | Unset = 1.0
    mixed_precision: bool | Unset = False
    window_lengths: HyperparametersWindowLengths | Unset = HyperparametersWindowLengths.FIXED
    baseline: HyperparametersBaseline | Unset = HyperparametersBaseline.SEASONAL_DRIFT
    refit: bool | Unset = True
    average_refit: bool | Unset = True

    def to_dict(self) -> dict[str, Any]:
        hidden_size = self.hidden_size

        num_layers = self.num_layers

        dropout = self.dropout

        epochs = self.epochs

        batch_size = self.batch_size

        learning_rate = self.learning_rate

        early_stopping_patience = self.early_stopping_patience

        seed = self.seed

        d_model = self.d_model

        nhead = self.nhead

        dim_feedforward = self.dim_feedforward

        normalization: str | Unset = UNSET
        if not isinstance(self.normalization, Unset):
            normalization = self.normalization.value

        gradient_clip: float | None | Unset
        if isinstance(self.gradient_clip, Unset):
            gradient_clip = UNSET
        else:
            gradient_clip = self.gradient_clip

        mixed_precision = self.mixed_precision

        window_lengths: str | Unset = UNSET
        if not isinstance(self.window_lengths, Unset):
            window_lengths = self.window_lengths.value

        baseline: str | Unset = UNSET
        if not isinstance(self.baseline, Unset):
            baseline = self.baseline.value

        refit = self.refit

        average_refit = self.average_refit

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if hidden_size is not UNSET:
            field_dict["hidden_size"] = hidden_size
        if num_layers is not UNSET:
            field_dict["num_layers"] = num_layers
        if dropout is not UNSET:
            field_dict["dropout"] = dropout
        if epochs is not UNSET:
            field_dict["epochs"] = epochs
        if batch_size is not UNSET:
            field_dict["batch_size"] = batch_size
        if learning_rate is not UNSET:
            field_dict["learning_rate"] = learning_rate
        if early_stopping_patience is not UNSET:
            field_dict["early_stopping_patience"] = early_stopping_patience
        if seed is not UNSET:
            field_dict["seed"] = seed
        if d_model is not UNSET:
            field_dict["d_model"] = d_model
        if nhead is not UNSET:
            field_dict["nhead"] = nhead
        if dim_feedforward is not UNSET:
            field_dict["dim_feedforward"] = dim_feedforward
        if normalization is not UNSET:
            field_dict["normalization"] = normalization
        if gradient_clip is not UNSET:
            field_dict["gradient_clip"] = gradient_clip
        if mixed_precision is not UNSET:
            field_dict["mixed_precision"] = mixed_precision
        if window_lengths is not UNSET:
            field_dict["window_lengths"] = window_lengths
        if baseline is not UNSET:
            field_dict["baseline"] = baseline
        if refit is not UNSET:
            field_dict["refit"] = refit
        if average_refit is not UNSET:
            field_dict["average_refit"] = average_refit

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        hidden_size = d.pop("hidden_size", UNSET)

        num_layers = d.pop("num_layers", UNSET)

        dropout = d.pop("dropout", UNSET)

        epochs = d.pop("epochs", UNSET)

        batch_size = d.pop("batch_size", UNSET)

        learning_rate = d.pop("learning_rate", UNSET)

        early_stopping_patience = d.pop("early_stopping_patience", UNSET)

        seed = d.pop("seed", UNSET)

        d_model = d.pop("d_model", UNSET)

        nhead = d.pop("nhead", UNSET)

        dim_feedforward = d.pop("dim_feedforward", UNSET)

        _normalization = d.pop("normalization", UNSET)
        normalization: HyperparametersNormalization | Unset
        if isinstance(_normalization, Unset):
            normalization = UNSET
        else:
            normalization = HyperparametersNormalization(_normalization)

        def _parse_gradient_clip(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        gradient_clip = _parse_gradient_clip(d.pop("gradient_clip", UNSET))

        mixed_precision = d.pop("mixed_precision", UNSET)

        _window_lengths = d.pop("window_lengths", UNSET)
        window_lengths: HyperparametersWindowLengths | Unset
        if isinstance(_window_lengths, Unset):
            window_lengths = UNSET
        else:
            window_lengths = HyperparametersWindowLengths(_window_lengths)

        _baseline = d.pop("baseline", UNSET)
        baseline: HyperparametersBaseline | Unset
        if isinstance(_baseline, Unset):
            baseline = UNSET
        else:
            baseline = HyperparametersBaseline(_baseline)

        refit = d.pop("refit", UNSET)

        average_refit = d.pop("average_refit", UNSET)

        hyperparameters = cls(
            hidden_size=hidden_size,
            num_layers=num_layers,
            dropout=dropout,
            epochs=epochs,
            batch_size=batch_size,
            learning_rate=learning_rate,
            early_stopping_patience=early_stopping_patience,
            seed=seed,
            d_model=d_model,
            nhead=nhead,
            dim_feedforward=dim_feedforward,
            normalization=normalization,
            gradient_clip=gradient_clip,
            mixed_precision=mixed_precision,
            window_lengths=window_lengths,
            baseline=baseline,
            refit=refit,
            average_refit=average_refit,
        )

        return hyperparameters
