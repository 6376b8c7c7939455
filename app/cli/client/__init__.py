"""The client commands: the seqcast HTTP API through the generated SDK (sdk/, `seqcast_client`),
one module per resource. They import the SDK at the top, so `app.cli.main` loads them only when
one of them runs (or is listed): the server commands work where the SDK is not installed."""
