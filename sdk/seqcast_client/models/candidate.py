from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.candidate_architecture import CandidateArchitecture
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.candidate_overrides import CandidateOverrides


T = TypeVar("T", bound="Candidate")


@_attrs_define
class Candidate:
    """One resolved candidate of an auto job: its architecture and the grid's values for it.

    Attributes:
        architecture (CandidateArchitecture):
        overrides (CandidateOverrides | Unset): The grid's values, over the job's hyperparameters.
        job_id (str | Unset): Its training job. Default: ''.
    """

    architecture: CandidateArchitecture
    overrides: CandidateOverrides | Unset = UNSET
    job_id: str | Unset = ""
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        architecture = self.architecture.value

        overrides: dict[str, Any] | Unset = UNSET
        if not isinstance(self.overrides, Unset):
            overrides = self.overrides.to_dict()

        job_id = self.job_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "architecture": architecture,
            }
        )
        if overrides is not UNSET:
            field_dict["overrides"] = overrides
        if job_id is not UNSET:
            field_dict["job_id"] = job_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.candidate_overrides import CandidateOverrides

        d = dict(src_dict)
        architecture = CandidateArchitecture(d.pop("architecture"))

        _overrides = d.pop("overrides", UNSET)
        overrides: CandidateOverrides | Unset
        if isinstance(_overrides, Unset):
            overrides = UNSET
        else:
            overrides = CandidateOverrides.from_dict(_overrides)

        job_id = d.pop("job_id", UNSET)

        candidate = cls(
            architecture=architecture,
            overrides=overrides,
            job_id=job_id,
        )

        candidate.additional_properties = d
        return candidate

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
