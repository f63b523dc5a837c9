"""Platsa's command line: the one place that wires matcher, training and serving together."""
