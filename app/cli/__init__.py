"""The `seqcast` console script: `main` wires the commands of `server`, `keys` and `client/`."""
