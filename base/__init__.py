"""kiln's foundation: errors with source locations, the one module that reaches every
external tool, atomic file writes and the process-pool/Ray job runner.

It imports nothing else of kiln, and every other package may import it.
"""
