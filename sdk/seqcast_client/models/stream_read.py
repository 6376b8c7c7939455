from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.stream_read_mode import StreamReadMode
from ..types import UNSET, Unset

T = TypeVar("T", bound="StreamRead")


@_attrs_define
class StreamRead:
    """
    Attributes:
        id (str):
        model (str):
        version (int): The version the stream is pinned to.
        mode (StreamReadMode): step: the server keeps the recurrent state and an observation costs one step of the
            model; window: the server keeps the last input_length observations and runs the window model on them
            (Transformers, instance-normalized models).
        observations (int): Observations so far, warm-up history included.
        sequence (int): Observe calls applied so far (0 after create): the order in which concurrent observes on the
            stream were applied.
        feature_columns (list[str]):
        target_columns (list[str]):
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        expires_at (datetime.datetime): Dropped then unless observed again before.
        series_id (None | str | Unset): The series the stream continues.
        last_timestamp (None | str | Unset): The timestamp of the latest observation; null when undated.
    """

    id: str
    model: str
    version: int
    mode: StreamReadMode
    observations: int
    sequence: int
    feature_columns: list[str]
    target_columns: list[str]
    created_at: datetime.datetime
    updated_at: datetime.datetime
    expires_at: datetime.datetime
    series_id: None | str | Unset = UNSET
    last_timestamp: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        model = self.model

        version = self.version

        mode = self.mode.value

        observations = self.observations

        sequence = self.sequence

        feature_columns = self.feature_columns

        target_columns = self.target_columns

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        expires_at = self.expires_at.isoformat()

        series_id: None | str | Unset
        if isinstance(self.series_id, Unset):
            series_id = UNSET
        else:
            series_id = self.series_id

        last_timestamp: None | str | Unset
        if isinstance(self.last_timestamp, Unset):
            last_timestamp = UNSET
        else:
            last_timestamp = self.last_timestamp

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "model": model,
                "version": version,
                "mode": mode,
                "observations": observations,
                "sequence": sequence,
                "feature_columns": feature_columns,
                "target_columns": target_columns,
                "created_at": created_at,
                "updated_at": updated_at,
                "expires_at": expires_at,
            }
        )
        if series_id is not UNSET:
            field_dict["series_id"] = series_id
        if last_timestamp is not UNSET:
            field_dict["last_timestamp"] = last_timestamp

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = d.pop("id")

        model = d.pop("model")

        version = d.pop("version")

        mode = StreamReadMode(d.pop("mode"))

        observations = d.pop("observations")

        sequence = d.pop("sequence")

        feature_columns = cast(list[str], d.pop("feature_columns"))

        target_columns = cast(list[str], d.pop("target_columns"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        def _parse_series_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        series_id = _parse_series_id(d.pop("series_id", UNSET))

        def _parse_last_timestamp(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_timestamp = _parse_last_timestamp(d.pop("last_timestamp", UNSET))

        stream_read = cls(
            id=id,
            model=model,
            version=version,
            mode=mode,
            observations=observations,
            sequence=sequence,
            feature_columns=feature_columns,
            target_columns=target_columns,
            created_at=created_at,
            updated_at=updated_at,
            expires_at=expires_at,
            series_id=series_id,
            last_timestamp=last_timestamp,
        )

        stream_read.additional_properties = d
        return stream_read

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
