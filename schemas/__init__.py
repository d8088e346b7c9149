"""The JSON Schemas of the adapter protocol, scenarios, traces and reports, shipped as package data."""
