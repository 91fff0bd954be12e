"""Loading, cleaning, metadata and chunking of forum documents, and the incremental ingest pipeline."""
