"""Training side of seqcast: windows, networks, the training loop, metrics and ONNX export.

Only the Celery worker imports this package; the gateway must not (it never imports torch).
"""
