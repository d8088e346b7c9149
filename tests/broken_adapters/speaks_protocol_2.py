"""Announces protocol version 2.0 in its handshake, a major version this kit does not speak."""

import _shared

import retrykit.serve

retrykit.serve.PROTOCOL_VERSION = "2.0"
_shared.serve_as(_shared.reference_run)
