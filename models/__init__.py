"""The learned models: rankers, the acceptance model and the text encoders (see README.md)."""
