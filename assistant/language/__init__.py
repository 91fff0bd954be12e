"""Language: detection, follow-up resolution, Chinese rendering, search terms, localised messages."""
