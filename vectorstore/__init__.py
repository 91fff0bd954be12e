"""Embedders, the Chroma vector store, the BM25 keyword index and the document catalog."""
