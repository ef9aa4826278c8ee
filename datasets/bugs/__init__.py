"""Bug injection for the HLS bug dataset: the taxonomy, mutators, oracles and builder."""
