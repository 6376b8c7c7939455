"""Contains all the data models used in inputs/outputs"""

from .accuracy_read import AccuracyRead
from .alias_event_read import AliasEventRead
from .alias_read import AliasRead
from .alias_update import AliasUpdate
from .append_dataset_rows_files_rows_upload import AppendDatasetRowsFilesRowsUpload
from .append_dataset_rows_files_rows_upload_fill_missing import (
    AppendDatasetRowsFilesRowsUploadFillMissing,
)
from .append_dataset_rows_files_rows_upload_on_conflict import (
    AppendDatasetRowsFilesRowsUploadOnConflict,
)
from .append_dataset_rows_fill_missing_type_0 import AppendDatasetRowsFillMissingType0
from .append_dataset_rows_json_rows_append import AppendDatasetRowsJsonRowsAppend
from .append_dataset_rows_json_rows_append_columns import AppendDatasetRowsJsonRowsAppendColumns
from .append_dataset_rows_json_rows_append_fill_missing import (
    AppendDatasetRowsJsonRowsAppendFillMissing,
)
from .append_dataset_rows_json_rows_append_on_conflict import (
    AppendDatasetRowsJsonRowsAppendOnConflict,
)
from .append_dataset_rows_on_conflict_type_0 import AppendDatasetRowsOnConflictType0
from .append_read import AppendRead
from .append_read_filled import AppendReadFilled
from .auto_search import AutoSearch
from .auto_search_candidates_item import AutoSearchCandidatesItem
from .auto_spec import AutoSpec
from .backtest_brief import BacktestBrief
from .backtest_read import BacktestRead
from .backtest_request import BacktestRequest
from .backtest_summary import BacktestSummary
from .backtest_summary_mase_scale import BacktestSummaryMaseScale
from .candidate import Candidate
from .candidate_architecture import CandidateArchitecture
from .candidate_overrides import CandidateOverrides
from .candidate_read import CandidateRead
from .candidate_read_architecture import CandidateReadArchitecture
from .candidate_read_metrics_type_0 import CandidateReadMetricsType0
from .candidate_read_overrides import CandidateReadOverrides
from .create_dataset_fill_missing_type_0 import CreateDatasetFillMissingType0
from .dataset_create import DatasetCreate
from .dataset_create_columns import DatasetCreateColumns
from .dataset_create_fill_missing import DatasetCreateFillMissing
from .dataset_read import DatasetRead
from .dataset_read_filled import DatasetReadFilled
from .dataset_revision_read import DatasetRevisionRead
from .dataset_upload import DatasetUpload
from .dataset_upload_fill_missing import DatasetUploadFillMissing
from .dataset_values import DatasetValues
from .dataset_values_columns import DatasetValuesColumns
from .epoch_record import EpochRecord
from .error import Error
from .fold_read import FoldRead
from .fold_read_origin_timestamps_type_0 import FoldReadOriginTimestampsType0
from .fold_read_origins import FoldReadOrigins
from .forecast_progress import ForecastProgress
from .forecast_read import ForecastRead
from .forecast_read_format import ForecastReadFormat
from .forecast_read_timings import ForecastReadTimings
from .forecast_request import ForecastRequest
from .forecast_request_format import ForecastRequestFormat
from .from_version import FromVersion
from .healthz_response_healthz import HealthzResponseHealthz
from .http_validation_error import HTTPValidationError
from .hyperparameter_grid import HyperparameterGrid
from .hyperparameter_grid_baseline_type_0_item import HyperparameterGridBaselineType0Item
from .hyperparameter_grid_normalization_type_0_item import HyperparameterGridNormalizationType0Item
from .hyperparameters import Hyperparameters
from .hyperparameters_baseline import HyperparametersBaseline
from .hyperparameters_normalization import HyperparametersNormalization
from .hyperparameters_window_lengths import HyperparametersWindowLengths
from .inline_data import InlineData
from .inline_data_columns import InlineDataColumns
from .inline_data_fill_missing import InlineDataFillMissing
from .job_read import JobRead
from .job_read_timings import JobReadTimings
from .job_read_trigger_type_0 import JobReadTriggerType0
from .job_spec import JobSpec
from .job_status import JobStatus
from .leaderboard_entry import LeaderboardEntry
from .leaderboard_entry_metrics_type_0 import LeaderboardEntryMetricsType0
from .leaderboard_entry_overrides import LeaderboardEntryOverrides
from .loaded_read import LoadedRead
from .metric_set import MetricSet
from .model_read import ModelRead
from .model_read_aliases import ModelReadAliases
from .oip_error import OipError
from .parent_ref import ParentRef
from .predict_request import PredictRequest
from .predict_response import PredictResponse
from .progress import Progress
from .quantile_forecast import QuantileForecast
from .refresh_request import RefreshRequest
from .refresh_request_hyperparameters_type_0 import RefreshRequestHyperparametersType0
from .refresh_request_promote import RefreshRequestPromote
from .refresh_when import RefreshWhen
from .schedule_read import ScheduleRead
from .schedule_read_promote import ScheduleReadPromote
from .schedule_update import ScheduleUpdate
from .schedule_update_promote import ScheduleUpdatePromote
from .scores import Scores
from .series_scores import SeriesScores
from .series_summary import SeriesSummary
from .serving_config import ServingConfig
from .step_scores import StepScores
from .stream_create import StreamCreate
from .stream_forecast import StreamForecast
from .stream_forecast_mode import StreamForecastMode
from .stream_observe import StreamObserve
from .stream_read import StreamRead
from .stream_read_mode import StreamReadMode
from .train_request import TrainRequest
from .train_request_architecture import TrainRequestArchitecture
from .v2_infer_json_body import V2InferJsonBody
from .v2_infer_version_json_body import V2InferVersionJsonBody
from .v2_live_response_v2_live import V2LiveResponseV2Live
from .v2_server_metadata_response_v2_server_metadata import V2ServerMetadataResponseV2ServerMetadata
from .validation_error import ValidationError
from .validation_error_context import ValidationErrorContext
from .version_read import VersionRead
from .version_read_hyperparameters import VersionReadHyperparameters
from .version_read_metrics import VersionReadMetrics
from .version_ref import VersionRef
from .version_summary import VersionSummary
from .version_summary_metrics import VersionSummaryMetrics
from .warm_start import WarmStart

__all__ = (
    "AccuracyRead",
    "AliasEventRead",
    "AliasRead",
    "AliasUpdate",
    "AppendDatasetRowsFilesRowsUpload",
    "AppendDatasetRowsFilesRowsUploadFillMissing",
    "AppendDatasetRowsFilesRowsUploadOnConflict",
    "AppendDatasetRowsFillMissingType0",
    "AppendDatasetRowsJsonRowsAppend",
    "AppendDatasetRowsJsonRowsAppendColumns",
    "AppendDatasetRowsJsonRowsAppendFillMissing",
    "AppendDatasetRowsJsonRowsAppendOnConflict",
    "AppendDatasetRowsOnConflictType0",
    "AppendRead",
    "AppendReadFilled",
    "AutoSearch",
    "AutoSearchCandidatesItem",
    "AutoSpec",
    "BacktestBrief",
    "BacktestRead",
    "BacktestRequest",
    "BacktestSummary",
    "BacktestSummaryMaseScale",
    "Candidate",
    "CandidateArchitecture",
    "CandidateOverrides",
    "CandidateRead",
    "CandidateReadArchitecture",
    "CandidateReadMetricsType0",
    "CandidateReadOverrides",
    "CreateDatasetFillMissingType0",
    "DatasetCreate",
    "DatasetCreateColumns",
    "DatasetCreateFillMissing",
    "DatasetRead",
    "DatasetReadFilled",
    "DatasetRevisionRead",
    "DatasetUpload",
    "DatasetUploadFillMissing",
    "DatasetValues",
    "DatasetValuesColumns",
    "EpochRecord",
    "Error",
    "FoldRead",
    "FoldReadOriginTimestampsType0",
    "FoldReadOrigins",
    "ForecastProgress",
    "ForecastRead",
    "ForecastReadFormat",
    "ForecastReadTimings",
    "ForecastRequest",
    "ForecastRequestFormat",
    "FromVersion",
    "HTTPValidationError",
    "HealthzResponseHealthz",
    "HyperparameterGrid",
    "HyperparameterGridBaselineType0Item",
    "HyperparameterGridNormalizationType0Item",
    "Hyperparameters",
    "HyperparametersBaseline",
    "HyperparametersNormalization",
    "HyperparametersWindowLengths",
    "InlineData",
    "InlineDataColumns",
    "InlineDataFillMissing",
    "JobRead",
    "JobReadTimings",
    "JobReadTriggerType0",
    "JobSpec",
    "JobStatus",
    "LeaderboardEntry",
    "LeaderboardEntryMetricsType0",
    "LeaderboardEntryOverrides",
    "LoadedRead",
    "MetricSet",
    "ModelRead",
    "ModelReadAliases",
    "OipError",
    "ParentRef",
    "PredictRequest",
    "PredictResponse",
    "Progress",
    "QuantileForecast",
    "RefreshRequest",
    "RefreshRequestHyperparametersType0",
    "RefreshRequestPromote",
    "RefreshWhen",
    "ScheduleRead",
    "ScheduleReadPromote",
    "ScheduleUpdate",
    "ScheduleUpdatePromote",
    "Scores",
    "SeriesScores",
    "SeriesSummary",
    "ServingConfig",
    "StepScores",
    "StreamCreate",
    "StreamForecast",
    "StreamForecastMode",
    "StreamObserve",
    "StreamRead",
    "StreamReadMode",
    "TrainRequest",
    "TrainRequestArchitecture",
    "V2InferJsonBody",
    "V2InferVersionJsonBody",
    "V2LiveResponseV2Live",
    "V2ServerMetadataResponseV2ServerMetadata",
    "ValidationError",
    "ValidationErrorContext",
    "VersionRead",
    "VersionReadHyperparameters",
    "VersionReadMetrics",
    "VersionRef",
    "VersionSummary",
    "VersionSummaryMetrics",
    "WarmStart",
)
