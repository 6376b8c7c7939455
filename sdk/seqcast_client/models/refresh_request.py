from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.refresh_request_promote import RefreshRequestPromote
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.refresh_request_hyperparameters_type_0 import RefreshRequestHyperparametersType0


T = TypeVar("T", bound="RefreshRequest")


@_attrs_define
class RefreshRequest:
    """POST /models/{name}/refresh: warm-start the version an alias points at on its dataset's
    newest data.

        Attributes:
            alias (str | Unset): The alias whose version is refreshed. Default: 'production'.
            promote (RefreshRequestPromote | Unset): What becomes of the alias once the refreshed version is registered:
                never moved, always moved, or moved if_better (the promotion gate decides). Default:
                RefreshRequestPromote.NEVER.
            epochs (int | None | Unset): At most this many epochs; default: the version's.
            hyperparameters (None | RefreshRequestHyperparametersType0 | Unset): Training hyperparameters over the version's
                (learning_rate, batch_size, seed, early_stopping_patience, ...); a structural one that differs is a 422.
    """

    alias: str | Unset = "production"
    promote: RefreshRequestPromote | Unset = RefreshRequestPromote.NEVER
    epochs: int | None | Unset = UNSET
    hyperparameters: None | RefreshRequestHyperparametersType0 | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.refresh_request_hyperparameters_type_0 import (
            RefreshRequestHyperparametersType0,
        )

        alias = self.alias

        promote: str | Unset = UNSET
        if not isinstance(self.promote, Unset):
            promote = self.promote.value

        epochs: int | None | Unset
        if isinstance(self.epochs, Unset):
            epochs = UNSET
        else:
            epochs = self.epochs

        hyperparameters: dict[str, Any] | None | Unset
        if isinstance(self.hyperparameters, Unset):
            hyperparameters = UNSET
        elif isinstance(self.hyperparameters, RefreshRequestHyperparametersType0):
            hyperparameters = self.hyperparameters.to_dict()
        else:
            hyperparameters = self.hyperparameters

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if alias is not UNSET:
            field_dict["alias"] = alias
        if promote is not UNSET:
            field_dict["promote"] = promote
        if epochs is not UNSET:
            field_dict["epochs"] = epochs
        if hyperparameters is not UNSET:
            field_dict["hyperparameters"] = hyperparameters

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.refresh_request_hyperparameters_type_0 import (
            RefreshRequestHyperparametersType0,
        )

        d = dict(src_dict)
        alias = d.pop("alias", UNSET)

        _promote = d.pop("promote", UNSET)
        promote: RefreshRequestPromote | Unset
        if isinstance(_promote, Unset):
            promote = UNSET
        else:
            promote = RefreshRequestPromote(_promote)

        def _parse_epochs(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        epochs = _parse_epochs(d.pop("epochs", UNSET))

        def _parse_hyperparameters(
            data: object,
        ) -> None | RefreshRequestHyperparametersType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                hyperparameters_type_0 = RefreshRequestHyperparametersType0.from_dict(data)

                return hyperparameters_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RefreshRequestHyperparametersType0 | Unset, data)

        hyperparameters = _parse_hyperparameters(d.pop("hyperparameters", UNSET))

        refresh_request = cls(
            alias=alias,
            promote=promote,
            epochs=epochs,
            hyperparameters=hyperparameters,
        )

        return refresh_request
