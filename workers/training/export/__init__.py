"""ONNX export: `process` (the worker's side: checkpoints, the export child and its report),
`child` (the export process, one-shot or warm: workers.export_process), `window` and `step` (the
two graphs and their parity gates), and `common` (what both graphs share). The worker needs only
what is re-exported here."""

from workers.training.export.common import ExportError
from workers.training.export.process import (
    ExportReport,
    export_in_subprocess,
    export_onnx,
    load_checkpoint,
    save_checkpoint,
)

__all__ = [
    "ExportError",
    "ExportReport",
    "export_in_subprocess",
    "export_onnx",
    "load_checkpoint",
    "save_checkpoint",
]
