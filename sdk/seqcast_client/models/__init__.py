"""Contains all the data models used in inputs/outputs"""

from .alias_read import AliasRead
from .alias_update import AliasUpdate
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
from .predict_request import PredictRequest
from .predict_response import PredictResponse
from .progress import Progress
from .quantile_forecast import QuantileForecast
from .series_summary import SeriesSummary
from .serving_config import ServingConfig
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

__all__ = (
    "AliasRead",
    "AliasUpdate",
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
    "PredictRequest",
    "PredictResponse",
    "Progress",
    "QuantileForecast",
    "SeriesSummary",
    "ServingConfig",
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
)
