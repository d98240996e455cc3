"""The dock's tabs: Classify, Train, Validate."""
