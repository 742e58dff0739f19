"""What users look at: review pages on the source text, the audit report, the panel table, the schema."""
