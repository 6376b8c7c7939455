from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.auto_search_candidates_item import AutoSearchCandidatesItem
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.hyperparameter_grid import HyperparameterGrid


T = TypeVar("T", bound="AutoSearch")


@_attrs_define
class AutoSearch:
    """How `"architecture": "auto"` searches: each candidate architecture × each grid point is a
    training job of its own, run in parallel by the workers; the one with the best validation
    MASE is registered.

        Attributes:
            candidates (list[AutoSearchCandidatesItem] | Unset): Architectures to try; default: all four.
            grid (HyperparameterGrid | None | Unset): Hyperparameter values to try with each architecture (every
                combination).
            budget_seconds (float | None | Unset): No candidate starts once the search has run this long (those running
                finish); the best of those that finished is registered. Default: no limit.
    """

    candidates: list[AutoSearchCandidatesItem] | Unset = UNSET
    grid: HyperparameterGrid | None | Unset = UNSET
    budget_seconds: float | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.hyperparameter_grid import HyperparameterGrid

        candidates: list[str] | Unset = UNSET
        if not isinstance(self.candidates, Unset):
            candidates = []
            for candidates_item_data in self.candidates:
                candidates_item = candidates_item_data.value
                candidates.append(candidates_item)

        grid: dict[str, Any] | None | Unset
        if isinstance(self.grid, Unset):
            grid = UNSET
        elif isinstance(self.grid, HyperparameterGrid):
            grid = self.grid.to_dict()
        else:
            grid = self.grid

        budget_seconds: float | None | Unset
        if isinstance(self.budget_seconds, Unset):
            budget_seconds = UNSET
        else:
            budget_seconds = self.budget_seconds

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if candidates is not UNSET:
            field_dict["candidates"] = candidates
        if grid is not UNSET:
            field_dict["grid"] = grid
        if budget_seconds is not UNSET:
            field_dict["budget_seconds"] = budget_seconds

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.hyperparameter_grid import HyperparameterGrid

        d = dict(src_dict)
        _candidates = d.pop("candidates", UNSET)
        candidates: list[AutoSearchCandidatesItem] | Unset = UNSET
        if _candidates is not UNSET:
            candidates = []
            for candidates_item_data in _candidates:
                candidates_item = AutoSearchCandidatesItem(candidates_item_data)

                candidates.append(candidates_item)

        def _parse_grid(data: object) -> HyperparameterGrid | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                grid_type_0 = HyperparameterGrid.from_dict(data)

                return grid_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(HyperparameterGrid | None | Unset, data)

        grid = _parse_grid(d.pop("grid", UNSET))

        def _parse_budget_seconds(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        budget_seconds = _parse_budget_seconds(d.pop("budget_seconds", UNSET))

        auto_search = cls(
            candidates=candidates,
            grid=grid,
            budget_seconds=budget_seconds,
        )

        return auto_search
