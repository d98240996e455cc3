"""Accuracy against reference data: confusion matrix, OA, kappa, F1, area estimates, report writers."""
