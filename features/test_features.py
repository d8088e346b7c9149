"""Bind every scenario of the feature files in this folder to a pytest test."""

from pytest_bdd import scenarios

scenarios(".")
