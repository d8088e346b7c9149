"""Load the kit's pytest plugin for every test run in this checkout."""

pytest_plugins = ["steps.plugin"]
