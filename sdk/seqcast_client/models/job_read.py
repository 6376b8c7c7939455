from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_status import JobStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.candidate_read import CandidateRead
    from ..models.epoch_record import EpochRecord
    from ..models.job_read_timings import JobReadTimings
    from ..models.job_read_trigger_type_0 import JobReadTriggerType0
    from ..models.job_spec import JobSpec
    from ..models.progress import Progress
    from ..models.version_ref import VersionRef


T = TypeVar("T", bound="JobRead")


@_attrs_define
class JobRead:
    """
    Attributes:
        id (str):
        status (JobStatus):
        model_name (str):
        architecture (str):
        dataset_id (str):
        spec (JobSpec): The request as the worker runs it: every default resolved.
        progress (Progress):
        history (list[EpochRecord]):
        device (None | str):
        error (None | str):
        attempts (int):
        cancel_requested (bool):
        created_at (datetime.datetime):
        started_at (datetime.datetime | None):
        finished_at (datetime.datetime | None):
        timings (JobReadTimings): Seconds: queued, training, export, total.
        model_version (None | VersionRef):
        dataset_revision (int | Unset): The dataset's revision when the job was submitted: the one it trains on.
            Default: 1.
        parent_id (None | str | Unset): A candidate's auto job.
        promote (None | str | Unset): A refresh's promotion policy for the version it registers: never, always or
            if_better; null for plain jobs.
        trigger (JobReadTriggerType0 | None | Unset): What started it besides a plain /train: {"kind": "refresh",
            "alias": ...} or {"kind": "schedule", "schedule_id": ...}; null otherwise.
        candidates (list[CandidateRead] | Unset): An auto job's candidates, in the order they were made.
    """

    id: str
    status: JobStatus
    model_name: str
    architecture: str
    dataset_id: str
    spec: JobSpec
    progress: Progress
    history: list[EpochRecord]
    device: None | str
    error: None | str
    attempts: int
    cancel_requested: bool
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    timings: JobReadTimings
    model_version: None | VersionRef
    dataset_revision: int | Unset = 1
    parent_id: None | str | Unset = UNSET
    promote: None | str | Unset = UNSET
    trigger: JobReadTriggerType0 | None | Unset = UNSET
    candidates: list[CandidateRead] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.job_read_trigger_type_0 import JobReadTriggerType0
        from ..models.version_ref import VersionRef

        id = self.id

        status = self.status.value

        model_name = self.model_name

        architecture = self.architecture

        dataset_id = self.dataset_id

        spec = self.spec.to_dict()

        progress = self.progress.to_dict()

        history = []
        for history_item_data in self.history:
            history_item = history_item_data.to_dict()
            history.append(history_item)

        device: None | str
        device = self.device

        error: None | str
        error = self.error

        attempts = self.attempts

        cancel_requested = self.cancel_requested

        created_at = self.created_at.isoformat()

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        timings = self.timings.to_dict()

        model_version: dict[str, Any] | None
        if isinstance(self.model_version, VersionRef):
            model_version = self.model_version.to_dict()
        else:
            model_version = self.model_version

        dataset_revision = self.dataset_revision

        parent_id: None | str | Unset
        if isinstance(self.parent_id, Unset):
            parent_id = UNSET
        else:
            parent_id = self.parent_id

        promote: None | str | Unset
        if isinstance(self.promote, Unset):
            promote = UNSET
        else:
            promote = self.promote

        trigger: dict[str, Any] | None | Unset
        if isinstance(self.trigger, Unset):
            trigger = UNSET
        elif isinstance(self.trigger, JobReadTriggerType0):
            trigger = self.trigger.to_dict()
        else:
            trigger = self.trigger

        candidates: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.candidates, Unset):
            candidates = []
            for candidates_item_data in self.candidates:
                candidates_item = candidates_item_data.to_dict()
                candidates.append(candidates_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "status": status,
                "model_name": model_name,
                "architecture": architecture,
                "dataset_id": dataset_id,
                "spec": spec,
                "progress": progress,
                "history": history,
                "device": device,
                "error": error,
                "attempts": attempts,
                "cancel_requested": cancel_requested,
                "created_at": created_at,
                "started_at": started_at,
                "finished_at": finished_at,
                "timings": timings,
                "model_version": model_version,
            }
        )
        if dataset_revision is not UNSET:
            field_dict["dataset_revision"] = dataset_revision
        if parent_id is not UNSET:
            field_dict["parent_id"] = parent_id
        if promote is not UNSET:
            field_dict["promote"] = promote
        if trigger is not UNSET:
            field_dict["trigger"] = trigger
        if candidates is not UNSET:
            field_dict["candidates"] = candidates

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.candidate_read import CandidateRead
        from ..models.epoch_record import EpochRecord
        from ..models.job_read_timings import JobReadTimings
        from ..models.job_read_trigger_type_0 import JobReadTriggerType0
        from ..models.job_spec import JobSpec
        from ..models.progress import Progress
        from ..models.version_ref import VersionRef

        d = dict(src_dict)
        id = d.pop("id")

        status = JobStatus(d.pop("status"))

        model_name = d.pop("model_name")

        architecture = d.pop("architecture")

        dataset_id = d.pop("dataset_id")

        spec = JobSpec.from_dict(d.pop("spec"))

        progress = Progress.from_dict(d.pop("progress"))

        history = []
        _history = d.pop("history")
        for history_item_data in _history:
            history_item = EpochRecord.from_dict(history_item_data)

            history.append(history_item)

        def _parse_device(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        device = _parse_device(d.pop("device"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        attempts = d.pop("attempts")

        cancel_requested = d.pop("cancel_requested")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_started_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        started_at = _parse_started_at(d.pop("started_at"))

        def _parse_finished_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

        timings = JobReadTimings.from_dict(d.pop("timings"))

        def _parse_model_version(data: object) -> None | VersionRef:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                model_version_type_0 = VersionRef.from_dict(data)

                return model_version_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | VersionRef, data)

        model_version = _parse_model_version(d.pop("model_version"))

        dataset_revision = d.pop("dataset_revision", UNSET)

        def _parse_parent_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        parent_id = _parse_parent_id(d.pop("parent_id", UNSET))

        def _parse_promote(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        promote = _parse_promote(d.pop("promote", UNSET))

        def _parse_trigger(data: object) -> JobReadTriggerType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                trigger_type_0 = JobReadTriggerType0.from_dict(data)

                return trigger_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(JobReadTriggerType0 | None | Unset, data)

        trigger = _parse_trigger(d.pop("trigger", UNSET))

        _candidates = d.pop("candidates", UNSET)
        candidates: list[CandidateRead] | Unset = UNSET
        if _candidates is not UNSET:
            candidates = []
            for candidates_item_data in _candidates:
                candidates_item = CandidateRead.from_dict(candidates_item_data)

                candidates.append(candidates_item)

        job_read = cls(
            id=id,
            status=status,
            model_name=model_name,
            architecture=architecture,
            dataset_id=dataset_id,
            spec=spec,
            progress=progress,
            history=history,
            device=device,
            error=error,
            attempts=attempts,
            cancel_requested=cancel_requested,
            created_at=created_at,
            started_at=started_at,
            finished_at=finished_at,
            timings=timings,
            model_version=model_version,
            dataset_revision=dataset_revision,
            parent_id=parent_id,
            promote=promote,
            trigger=trigger,
            candidates=candidates,
        )

        job_read.additional_properties = d
        return job_read

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
