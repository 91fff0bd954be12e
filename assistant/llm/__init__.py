"""Model plumbing: the LLM protocol, the local llama.cpp model, OpenAI-compatible servers, packaged weights."""
