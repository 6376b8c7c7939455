"""Every table, imported in one place so Alembic and the workers see the whole metadata."""

from app.accuracy.models import ForecastRecord
from app.auth.models import ApiKey
from app.backtests.models import Backtest
from app.datasets.models import Dataset
from app.db import Base
from app.forecasts.models import ForecastJob
from app.registry.history import AliasEvent
from app.registry.models import Model, ModelAlias, ModelVersion
from app.schedules.models import ModelSchedule
from app.training.models import JobStatus, TrainingJob

__all__ = [
    "AliasEvent",
    "ApiKey",
    "Backtest",
    "Base",
    "Dataset",
    "ForecastJob",
    "ForecastRecord",
    "JobStatus",
    "Model",
    "ModelAlias",
    "ModelSchedule",
    "ModelVersion",
    "TrainingJob",
]
