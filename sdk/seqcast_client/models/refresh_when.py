from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="RefreshWhen")


@_attrs_define
class RefreshWhen:
    """
    Attributes:
        mase_ratio_above (float): Refresh early when the alias version's live MASE ratio (its live MAE ÷ seasonal
            naive's on the same forecasts, see Live accuracy) is above this.
    """

    mase_ratio_above: float

    def to_dict(self) -> dict[str, Any]:
        mase_ratio_above = self.mase_ratio_above

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "mase_ratio_above": mase_ratio_above,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        mase_ratio_above = d.pop("mase_ratio_above")

        refresh_when = cls(
            mase_ratio_above=mase_ratio_above,
        )

        return refresh_when
