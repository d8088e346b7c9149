"""The kit's Gherkin features, rule catalogue and suite-strength record, shipped as package data."""
