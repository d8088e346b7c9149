"""Load the kit's pytest plugins for every test run in this checkout."""

pytest_plugins = ["steps.reporting", "steps.plugin"]
