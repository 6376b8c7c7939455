from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="EpochRecord")


@_attrs_define
class EpochRecord:
    """
    Attributes:
        epoch (int):
        train_loss (float):
        val_loss (float):
        seconds (float):
    """

    epoch: int
    train_loss: float
    val_loss: float
    seconds: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        epoch = self.epoch

        train_loss = self.train_loss

        val_loss = self.val_loss

        seconds = self.seconds

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "epoch": epoch,
                "train_loss": train_loss,
                "val_loss": val_loss,
                "seconds": seconds,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        epoch = d.pop("epoch")

        train_loss = d.pop("train_loss")

        val_loss = d.pop("val_loss")

        seconds = d.pop("seconds")

        epoch_record = cls(
            epoch=epoch,
            train_loss=train_loss,
            val_loss=val_loss,
            seconds=seconds,
        )

        epoch_record.additional_properties = d
        return epoch_record

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
