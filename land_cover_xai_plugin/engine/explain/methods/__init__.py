"""One file per map output method (an ``Explainer`` subclass each); ``explain.registry`` finds them here."""
