"""The HLS bug dataset: kernels, bug injection, execution oracles and export."""
