from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="AliasEventRead")


@_attrs_define
class AliasEventRead:
    """One change of an alias (or a refresh the promotion gate did not promote).

    Attributes:
        alias (str):
        version (int | None): Where the alias points after it (null: unset).
        previous_version (int | None):
        decision (str): set or deleted (by hand), promoted or kept (by the promotion gate).
        reason (str): manual (the alias routes), refresh (a refresh job), schedule (a refresh its schedule started).
        policy (None | str): The refresh's promote policy; null when manual.
        challenger_version (int | None): The refresh's version.
        challenger_score (float | None): The refresh's score on the gate's folds (lower is better).
        champion_score (float | None): The alias holder's score on the same folds (null: no holder, or `always`).
        metric (None | str): The score: backtest MASE on the newest data.
        folds (int | None):
        detail (None | str): Why the gate decided so.
        job_id (None | str): The refresh job.
        created_at (datetime.datetime):
    """

    alias: str
    version: int | None
    previous_version: int | None
    decision: str
    reason: str
    policy: None | str
    challenger_version: int | None
    challenger_score: float | None
    champion_score: float | None
    metric: None | str
    folds: int | None
    detail: None | str
    job_id: None | str
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        alias = self.alias

        version: int | None
        version = self.version

        previous_version: int | None
        previous_version = self.previous_version

        decision = self.decision

        reason = self.reason

        policy: None | str
        policy = self.policy

        challenger_version: int | None
        challenger_version = self.challenger_version

        challenger_score: float | None
        challenger_score = self.challenger_score

        champion_score: float | None
        champion_score = self.champion_score

        metric: None | str
        metric = self.metric

        folds: int | None
        folds = self.folds

        detail: None | str
        detail = self.detail

        job_id: None | str
        job_id = self.job_id

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "alias": alias,
                "version": version,
                "previous_version": previous_version,
                "decision": decision,
                "reason": reason,
                "policy": policy,
                "challenger_version": challenger_version,
                "challenger_score": challenger_score,
                "champion_score": champion_score,
                "metric": metric,
                "folds": folds,
                "detail": detail,
                "job_id": job_id,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        alias = d.pop("alias")

        def _parse_version(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        version = _parse_version(d.pop("version"))

        def _parse_previous_version(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        previous_version = _parse_previous_version(d.pop("previous_version"))

        decision = d.pop("decision")

        reason = d.pop("reason")

        def _parse_policy(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        policy = _parse_policy(d.pop("policy"))

        def _parse_challenger_version(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        challenger_version = _parse_challenger_version(d.pop("challenger_version"))

        def _parse_challenger_score(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        challenger_score = _parse_challenger_score(d.pop("challenger_score"))

        def _parse_champion_score(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        champion_score = _parse_champion_score(d.pop("champion_score"))

        def _parse_metric(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        metric = _parse_metric(d.pop("metric"))

        def _parse_folds(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        folds = _parse_folds(d.pop("folds"))

        def _parse_detail(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        detail = _parse_detail(d.pop("detail"))

        def _parse_job_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        job_id = _parse_job_id(d.pop("job_id"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        alias_event_read = cls(
            alias=alias,
            version=version,
            previous_version=previous_version,
            decision=decision,
            reason=reason,
            policy=policy,
            challenger_version=challenger_version,
            challenger_score=challenger_score,
            champion_score=champion_score,
            metric=metric,
            folds=folds,
            detail=detail,
            job_id=job_id,
            created_at=created_at,
        )

        alias_event_read.additional_properties = d
        return alias_event_read

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
