"""seqcast: the gateway (HTTP, registry, serving). Never imports torch."""
