"""The answer engine: retrieval, evidence, generation, verification, refusal."""
