"""Grounding checks: verification, citation repair, figure anchoring, conflicts, fact-checks, the injection guard."""
